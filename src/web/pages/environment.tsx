import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { BackupWorkingEnvironment, WorkingEnvironment } from '../api/types';
import { useApi, useConsole } from '../context';
import { Empty, ErrorBox, Facts, Loading, Page, Status, TableBox } from '../components/ui';
import { VolumeActions } from '../components/volume-actions';
import { bytes, isoWhen, when } from '../format';
import { Link, navigate } from '../router';
import { enc, useBackedUpVolumes } from './shared';

/** One working environment: where its backups go, and its volumes with their protection state. */
export function EnvironmentPage({ weId }: { weId: string }): JSX.Element {
  const { api, canOperate, canAdminister } = useConsole();
  const we = useApi(() => api.get<WorkingEnvironment>(`/v1/working-environment/${enc(weId)}`), [api, weId]);
  const backup = useApi(() => api.get<BackupWorkingEnvironment>(`/v1/backup/working-environment/${enc(weId)}`), [api, weId]);
  const volumes = useBackedUpVolumes(weId);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  if (!we.value) {
    return <Page title="Working environment"><ErrorBox error={we.error} />{we.loading && <Loading what="the working environment" />}</Page>;
  }
  const w = we.value;
  const b = backup.value;
  const en = b?.['backup-enablement-status'] ?? 'OFF';
  const on = en === 'ON';
  const selectable = canOperate && on;
  const list = volumes.value ?? [];

  const toggle = (id: string): void => setSelected((s) => {
    const x = new Set(s);
    if (x.has(id)) x.delete(id); else x.add(id);
    return x;
  });
  const backUpSelected = async (): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      // In table order, so the job's entries read like the table.
      const ids = list.map((v) => v['file-system-id']).filter((id) => selected.has(id));
      const r = await api.post<{ 'job-id': string }>(`/v2/backup/working-environment/${enc(weId)}/volume`, { volume: ids.map((id) => ({ 'volume-id': id, mode: 'AD_HOC' })) });
      navigate(`/jobs/${r['job-id']}`);
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  };

  return (
    <Page
      title={w.name}
      sub={<>Working environment <code>{w.id}</code></>}
      actions={canAdminister && (en === 'OFF' || en === 'FAILED') && <Link class="button primary" href={`/environments/${enc(weId)}/activate`}>Activate backup</Link>}
    >
      <ErrorBox error={backup.error ?? volumes.error} />
      <Facts items={[
        ['Agent', <Status value={w.status} label={w.status === 'ON' ? 'connected' : 'not seen in the last minute'} />],
        ['Backup', <><Status value={en} />{b?.['job-id'] && en !== 'ON' && <> · <Link href={`/jobs/${b['job-id']}`}>activation job</Link></>}</>],
        ['Where', b && b.provider ? <>{b.provider} · bucket <code>{b.bucket}</code>{b.region ? ` · ${b.region}` : ''}</> : '—'],
        ['SVM', w.svm],
      ]} />
      {!on && (
        <p class="note">
          {en === 'ACTIVATING' ? 'Backup is being activated: the agent is creating the repository.'
            : canAdminister ? 'Backup is not active here. Activate it to choose where the backups of these volumes go.'
              : 'Backup is not active here; an administrator activates it.'}
        </p>
      )}
      <h2>Volumes</h2>
      {volumes.loading && !volumes.value && <Loading what="volumes" />}
      {volumes.value && list.length === 0 && (
        <Empty title="No volumes yet.">
          <p>Each directory directly under the working environment's root is a volume; the agent reports new ones within a minute.</p>
        </Empty>
      )}
      {list.length > 0 && (
        <>
          {selectable && (
            <div class="bulk">
              <button type="button" class="primary" data-action="backup-selected" disabled={selected.size === 0 || busy} onClick={backUpSelected}>
                {busy ? 'Starting…' : `Back up selected (${selected.size})`}
              </button>
              <ErrorBox error={error} />
            </div>
          )}
          <TableBox label="Volumes">
            <table class="volumes">
              <thead>
                <tr>
                  {selectable && <th scope="col"><span class="visually-hidden">Select</span></th>}
                  <th scope="col">Volume</th><th scope="col">Status</th><th scope="col">Protection</th><th scope="col">Last backup</th>
                  <th scope="col">Backups</th><th scope="col">Used</th><th scope="col"><span class="visually-hidden">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {list.map((v) => (
                  <tr key={v['file-system-id']} data-volume={v.name}>
                    {selectable && (
                      <td><input type="checkbox" aria-label={`Select ${v.name}`} checked={selected.has(v['file-system-id'])} onChange={() => toggle(v['file-system-id'])} /></td>
                    )}
                    <td><Link href={`/environments/${enc(weId)}/volumes/${enc(v['file-system-id'])}`}>{v.name}</Link></td>
                    <td><Status value={v.status} /></td>
                    <td><Status value={v['backup-status']} label={v['backup-status'] === 'ON' ? 'protected' : 'not protected'} /></td>
                    <td><time dateTime={isoWhen(v['last-backup-creation-time'])}>{when(v['last-backup-creation-time'])}</time></td>
                    <td class="num">{v['snapshot-count']}</td>
                    <td class="num" title={`of ${bytes(v.capacity.allocated)} on its file system`}>{bytes(v.capacity.used)}</td>
                    <td><VolumeActions weId={weId} volume={v} backupOn={on} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableBox>
        </>
      )}
    </Page>
  );
}
