import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { ExploreEntry, Snapshot } from '../api/types';
import { useApi, useConsole } from '../context';
import { BackupBrowser } from '../components/backup-browser';
import { Empty, ErrorBox, Facts, Loading, Page, TableBox } from '../components/ui';
import { bytes, count, isoWhen, when } from '../format';
import { navigate } from '../router';
import { enc, useBackedUpVolumes, useBackupEnvironments, useEnvironments } from './shared';

type Kind = 'volume' | 'file' | 'folder';
const STEPS = ['Backup', 'What', 'Where', 'Review'] as const;

/**
 * The restore wizard: pick a backup, pick what of it (the whole volume, files, or one
 * folder, browsing the backup page by page), pick where, submit, and follow the job.
 */
export function RestorePage({ query }: { query: URLSearchParams }): JSX.Element {
  const { api, canOperate } = useConsole();
  const [step, setStep] = useState(query.get('backup') ? 1 : 0);
  const [srcWe, setSrcWe] = useState(query.get('we') ?? '');
  const [srcVol, setSrcVol] = useState(query.get('volume') ?? '');
  const [backupId, setBackupId] = useState(query.get('backup') ?? '');
  const [kind, setKind] = useState<Kind>('file');
  const [picked, setPicked] = useState<Map<string, ExploreEntry>>(new Map());
  const [dstWe, setDstWe] = useState(query.get('we') ?? '');
  const [dstVol, setDstVol] = useState('');
  const [dstPath, setDstPath] = useState('/');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();

  const backupWes = useBackupEnvironments();
  const wes = useEnvironments();
  const srcVolumes = useBackedUpVolumes(srcWe || undefined);
  const dstVolumes = useBackedUpVolumes(dstWe || undefined);
  const backups = useApi(async () => (srcWe && srcVol
    ? (await api.get<{ snapshot: Snapshot[] }>(`/v1/backup/working-environment/${enc(srcWe)}/volume/${enc(srcVol)}/snapshot`)).snapshot
    : []), [api, srcWe, srcVol]);

  if (!canOperate) return <Page title="Restore"><p class="note">Your role cannot start restores.</p></Page>;

  const srcWeInfo = backupWes.value?.find((w) => w.id === srcWe);
  const srcVolInfo = srcVolumes.value?.find((v) => v['file-system-id'] === srcVol);
  const backup = backups.value?.find((b) => b.id === backupId);
  const dstWeInfo = wes.value?.find((w) => w.id === dstWe);
  const protectedWes = (backupWes.value ?? []).filter((w) => w['backup-enablement-status'] === 'ON');
  const volsWithBackups = (srcVolumes.value ?? []).filter((v) => Number(v['snapshot-count']) > 0);
  const defaultNewName = `${srcVolInfo?.name ?? 'volume'}-restored`;
  const targetName = kind === 'volume' ? (dstVol || defaultNewName) : dstVol;

  const ready = [
    Boolean(backup),
    kind === 'volume' || picked.size > 0,
    Boolean(dstWeInfo && targetName && (kind === 'volume' || dstPath.startsWith('/'))),
    true,
  ];

  const submit = async (): Promise<void> => {
    if (!backup || !srcWeInfo || !srcVolInfo || !dstWeInfo) return;
    setBusy(true);
    setError(undefined);
    try {
      const r = await api.post<{ 'job-id': string }>('/v3/restore', {
        restore: {
          type: kind,
          source: {
            'working-environment-id': srcWe, 'working-environment-name': srcWeInfo.name, bucket: srcWeInfo.bucket,
            'volume-name': srcVolInfo.name, 'volume-id': srcVol, snapshot: backup.id,
          },
          target: {
            'working-environment-id': dstWe, 'working-environment-name': dstWeInfo.name, svm: dstWeInfo.svm,
            'volume-name': targetName, ...(kind === 'volume' ? {} : { path: dstPath }),
          },
          ...(kind === 'volume' ? {} : { file: [...picked.values()].map((e) => ({ inode: e.inode, path: e.path, type: e.type, size: e.size, mtime: e.mtime })) }),
        },
      });
      navigate(`/jobs/${r['job-id']}`);
    } catch (e) {
      setError(e as ApiError);
      setBusy(false);
    }
  };

  return (
    <Page title="Restore" sub="A whole volume as a new volume, or files and folders into an existing one. Nothing existing is overwritten.">
      <ol class="steps" aria-label="Steps">
        {STEPS.map((s, i) => <li key={s} aria-current={i === step ? 'step' : undefined} class={i < step ? 'done' : ''}>{i + 1}. {s}</li>)}
      </ol>

      {step === 0 && (
        <Step title="Which backup?">
          <ErrorBox error={backupWes.error ?? srcVolumes.error ?? backups.error} />
          {backupWes.value && protectedWes.length === 0 && <Empty title="No working environment has backup active yet." />}
          <div class="field-row">
            <label>Working environment
              <select value={srcWe} onChange={(e) => { const v = (e.target as HTMLSelectElement).value; setSrcWe(v); setSrcVol(''); setBackupId(''); setDstWe(v); }}>
                <option value="">Choose…</option>
                {protectedWes.map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
              </select>
            </label>
            <label>Volume
              <select value={srcVol} disabled={!srcWe} onChange={(e) => { setSrcVol((e.target as HTMLSelectElement).value); setBackupId(''); }}>
                <option value="">Choose…</option>
                {volsWithBackups.map((v) => <option key={v['file-system-id']} value={v['file-system-id']}>{v.name}</option>)}
              </select>
            </label>
          </div>
          {srcVol && backups.loading && <Loading what="backups" />}
          {srcVol && backups.value && backups.value.length === 0 && <Empty title="This volume has no backups." />}
          {backups.value && backups.value.length > 0 && (
            <TableBox label="Backups of the volume">
              <table>
                <thead><tr><th scope="col"><span class="visually-hidden">Pick</span></th><th scope="col">Backup</th><th scope="col">Created</th><th scope="col">Size</th></tr></thead>
                <tbody>
                  {backups.value.map((b) => (
                    <tr key={b.id} data-backup={b.name}>
                      <td><input type="radio" name="backup" aria-label={`Use ${b.name}`} checked={b.id === backupId} onChange={() => setBackupId(b.id)} /></td>
                      <td>{b.name}</td>
                      <td><time dateTime={isoWhen(b['creation-time'])}>{when(b['creation-time'])}</time></td>
                      <td class="num">{bytes(b.size)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableBox>
          )}
        </Step>
      )}

      {step === 1 && backup && (
        <Step title={`What of ${backup.name}?`}>
          <fieldset class="inline">
            <legend>Restore</legend>
            {([['file', 'Files'], ['folder', 'A folder'], ['volume', 'The whole volume']] as const).map(([k, label]) => (
              <label class="radio" key={k}><input type="radio" name="kind" value={k} checked={kind === k} onChange={() => { setKind(k); setPicked(new Map()); setDstVol(''); }} /> {label}</label>
            ))}
          </fieldset>
          {kind === 'volume'
            ? <p class="note">The backup becomes a new volume ({bytes(backup.size)}) on the working environment you choose next.</p>
            : (
              <>
                <BackupBrowser backup={{ weId: srcWe, volumeId: srcVol, backupId }} mode={kind} picked={picked} onPick={setPicked} />
                <Picked picked={picked} onRemove={(p) => { const x = new Map(picked); x.delete(p); setPicked(x); }} />
              </>
            )}
        </Step>
      )}

      {step === 2 && (
        <Step title="Where to?">
          <ErrorBox error={wes.error ?? dstVolumes.error} />
          <div class="field-row">
            <label>Working environment
              <select value={dstWe} onChange={(e) => { setDstWe((e.target as HTMLSelectElement).value); setDstVol(''); }}>
                <option value="">Choose…</option>
                {(wes.value ?? []).map((w) => <option key={w.id} value={w.id}>{w.name}</option>)}
              </select>
            </label>
            {kind === 'volume' ? (
              <label>New volume name
                <input value={targetName} pattern="[A-Za-z0-9._\-]+" required onInput={(e) => setDstVol((e.target as HTMLInputElement).value)} />
              </label>
            ) : (
              <>
                <label>Into volume
                  <select value={dstVol} disabled={!dstWe} onChange={(e) => setDstVol((e.target as HTMLSelectElement).value)}>
                    <option value="">Choose…</option>
                    {(dstVolumes.value ?? []).filter((v) => v.status === 'online').map((v) => <option key={v['file-system-id']} value={v.name}>{v.name}</option>)}
                  </select>
                </label>
                <label>Folder in it
                  <input value={dstPath} onInput={(e) => setDstPath((e.target as HTMLInputElement).value)} />
                </label>
              </>
            )}
          </div>
          {kind !== 'volume' && <p class="hint">Each item is written as <code>{dstPath.replace(/\/$/, '')}/&lt;its name&gt;</code>; a name that exists gets <code>.restored</code> appended.</p>}
        </Step>
      )}

      {step === 3 && backup && (
        <Step title="Review">
          <Facts items={[
            ['From', `${srcWeInfo?.name ?? srcWe} / ${srcVolInfo?.name ?? srcVol} / ${backup.name}`],
            ['What', kind === 'volume' ? `the whole volume (${bytes(backup.size)})` : kind === 'folder' ? [...picked.keys()][0] : count(picked.size, 'file')],
            ['To', `${dstWeInfo?.name ?? dstWe} / ${targetName}${kind === 'volume' ? ' (new volume)' : ` ${dstPath}`}`],
          ]} />
          <ErrorBox error={error} title="Not started" />
        </Step>
      )}

      <div class="wizard-nav">
        {step > 0 && <button type="button" onClick={() => setStep(step - 1)}>← Back</button>}
        {step < 3 && <button type="button" class="primary" disabled={!ready[step]} onClick={() => setStep(step + 1)}>Next →</button>}
        {step === 3 && <button type="button" class="primary" disabled={busy} onClick={submit}>{busy ? 'Starting…' : 'Start restore'}</button>}
      </div>
    </Page>
  );
}

function Step({ title, children }: { title: string; children: ComponentChildren }): JSX.Element {
  return <section class="step" aria-label={title}><h2>{title}</h2>{children}</section>;
}

function Picked({ picked, onRemove }: { picked: Map<string, ExploreEntry>; onRemove(path: string): void }): JSX.Element | null {
  if (picked.size === 0) return <p class="hint">Nothing picked yet.</p>;
  return (
    <section class="picked" aria-label="Picked">
      <h3>Picked ({picked.size})</h3>
      <ul>
        {[...picked.values()].map((e) => (
          <li key={e.path}><code>{e.path}</code> <button type="button" class="link" aria-label={`Remove ${e.path}`} onClick={() => onRemove(e.path)}>remove</button></li>
        ))}
      </ul>
    </section>
  );
}
