import type { JSX } from 'preact';
import type { BackedUpVolume, BackupWorkingEnvironment, Snapshot } from '../api/types';
import { useApi, useConsole } from '../context';
import { Empty, ErrorBox, Facts, Loading, Page, Status, TableBox } from '../components/ui';
import { VolumeActions } from '../components/volume-actions';
import { bytes, isoWhen, shortId, when } from '../format';
import { Link, withQuery } from '../router';
import { enc } from './shared';

/** One volume and its backups, newest first, each with its size and a way to restore from it. */
export function VolumePage({ weId, volumeId }: { weId: string; volumeId: string }): JSX.Element {
  const { api, canOperate } = useConsole();
  const base = `/v1/backup/working-environment/${enc(weId)}`;
  const volume = useApi(() => api.get<BackedUpVolume>(`${base}/volume/${enc(volumeId)}`), [api, weId, volumeId]);
  const we = useApi(() => api.get<BackupWorkingEnvironment>(base), [api, weId]);
  const backups = useApi(async () => (await api.get<{ snapshot: Snapshot[] }>(`${base}/volume/${enc(volumeId)}/snapshot`)).snapshot, [api, weId, volumeId]);

  if (!volume.value) {
    return <Page title="Volume"><ErrorBox error={volume.error} />{volume.loading && <Loading what="the volume" />}</Page>;
  }
  const v = volume.value;
  const on = we.value?.['backup-enablement-status'] === 'ON';
  const list = backups.value ?? [];
  return (
    <Page
      title={v.name}
      sub={<>Volume of <Link href={`/environments/${enc(weId)}`}>{we.value?.name ?? weId}</Link> · <code>{v['file-system-id']}</code></>}
      actions={<VolumeActions weId={weId} volume={v} backupOn={on} onVolumePage />}
    >
      <ErrorBox error={we.error ?? backups.error} />
      <Facts items={[
        ['Status', <Status value={v.status} />],
        ['Protection', <Status value={v['backup-status']} label={v['backup-status'] === 'ON' ? 'protected' : 'not protected'} />],
        ['Last backup', <time dateTime={isoWhen(v['last-backup-creation-time'])}>{when(v['last-backup-creation-time'])}</time>],
        ['Backups', v['snapshot-count']],
        ['Used', `${bytes(v.capacity.used)} of ${bytes(v.capacity.allocated)} (its file system)`],
      ]} />
      <h2>Backups</h2>
      {backups.loading && !backups.value && <Loading what="backups" />}
      {backups.value && list.length === 0 && (
        <Empty title="No backups of this volume yet.">
          {!on && <p>Backup is not active on this working environment.</p>}
        </Empty>
      )}
      {list.length > 0 && (
        <TableBox label="Backups">
          <table class="backups">
            <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Size</th><th scope="col">Id</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>
              {list.map((s) => (
                <tr key={s.id} data-backup={s.name}>
                  <td>{s.name}</td>
                  <td><time dateTime={isoWhen(s['creation-time'])}>{when(s['creation-time'])}</time></td>
                  <td class="num">{bytes(s.size)}</td>
                  <td><code title={s.id}>{shortId(s.id)}</code></td>
                  <td>
                    {/* Backup actions: restore now; deleting a backup belongs here. */}
                    {canOperate && <Link class="button" data-action="restore-backup" href={withQuery('/restore', { we: weId, volume: volumeId, backup: s.id })}>Restore…</Link>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
    </Page>
  );
}
