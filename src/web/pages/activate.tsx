import type { ComponentChildren, JSX } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../api/client';
import type { Provider, WorkingEnvironment } from '../api/types';
import { useApi, useConsole } from '../context';
import { ErrorBox, Page } from '../components/ui';
import { Link, navigate } from '../router';
import { enc } from './shared';

const PROVIDERS: Array<{ id: Provider; label: string }> = [
  { id: 'LOCAL', label: 'A directory on the agent\'s machine (LOCAL)' },
  { id: 'AWS', label: 'Amazon S3 (AWS)' },
  { id: 'SGWS', label: 'StorageGRID (SGWS)' },
  { id: 'ONTAP_S3', label: 'ONTAP S3' },
];

type Fields = Record<'bucket' | 'path' | 'region' | 'server' | 'accessKey' | 'secret' | 'gridId', string>;

/**
 * Activate backup on a working environment (admin): where its repository goes. The
 * secret key is sent once and never shown again — the API never returns it, and the
 * form forgets it when it leaves the page.
 */
export function ActivatePage({ weId }: { weId: string }): JSX.Element {
  const { api, canAdminister } = useConsole();
  const we = useApi(() => api.get<WorkingEnvironment>(`/v1/working-environment/${enc(weId)}`), [api, weId]);
  const [provider, setProvider] = useState<Provider>('LOCAL');
  const [f, setF] = useState<Fields>({ bucket: '', path: '', region: '', server: '', accessKey: '', secret: '', gridId: '' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  const name = we.value?.name ?? weId;

  if (!canAdminister) {
    return <Page title={`Activate backup on ${name}`}><p class="note">Only an administrator activates backup.</p></Page>;
  }

  const set = (k: keyof Fields) => (e: Event): void => setF({ ...f, [k]: (e.target as HTMLInputElement).value });
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const opt = (v: string): string | undefined => (v.trim() ? v.trim() : undefined);
    const body: Record<string, unknown> = { provider, bucket: f.bucket.trim() };
    if (provider === 'LOCAL' && opt(f.path)) body['local'] = { path: f.path.trim() };
    if (provider === 'AWS') Object.assign(body, { region: opt(f.region), aws: { 'access-key': f.accessKey.trim(), 'secret-password': f.secret } });
    if (provider === 'SGWS') Object.assign(body, { region: opt(f.region), sgws: { 'storage-server': f.server.trim(), 'access-key': f.accessKey.trim(), 'secret-password': f.secret, ...(opt(f.gridId) ? { 'storage-grid-id': f.gridId.trim() } : {}) } });
    if (provider === 'ONTAP_S3') Object.assign(body, { region: opt(f.region), 'ontap-s3': { 'storage-server': f.server.trim(), 'access-key': f.accessKey.trim(), 'secret-password': f.secret } });
    try {
      const r = await api.post<{ 'job-id': string }>(`/v3/backup/working-environment/${enc(weId)}`, JSON.parse(JSON.stringify(body)));
      navigate(`/jobs/${r['job-id']}`);
    } catch (err) {
      setError(err as ApiError);
      setBusy(false);
    }
  };
  const s3 = provider !== 'LOCAL';

  return (
    <Page title={`Activate backup on ${name}`} sub="One repository per working environment holds the backups of all its volumes, deduplicated across them.">
      <form class="form" onSubmit={submit}>
        <ErrorBox error={error} title="Not activated" />
        <fieldset>
          <legend>Where the backups go</legend>
          {PROVIDERS.map((p) => (
            <label class="radio" key={p.id}>
              <input type="radio" name="provider" value={p.id} checked={provider === p.id} onChange={() => setProvider(p.id)} /> {p.label}
            </label>
          ))}
        </fieldset>
        <Field id="bucket" label="Bucket" hint="3–63 characters: a-z 0-9 . _ -. Created when missing.">
          <input id="bucket" required pattern="[a-z0-9][a-z0-9._\-]{1,61}[a-z0-9]" value={f.bucket} onInput={set('bucket')} />
        </Field>
        {provider === 'LOCAL' && (
          <Field id="path" label="Directory (optional)" hint="An absolute path on the agent's machine; by default a directory named after the bucket under the server's buckets root.">
            <input id="path" placeholder="/srv/backups/my-bucket" value={f.path} onInput={set('path')} />
          </Field>
        )}
        {(provider === 'SGWS' || provider === 'ONTAP_S3') && (
          <Field id="server" label="Storage server" hint="host[:port] or a URL; https:// when no scheme is given.">
            <input id="server" required value={f.server} onInput={set('server')} />
          </Field>
        )}
        {provider === 'SGWS' && (
          <Field id="grid" label="StorageGRID id (optional)"><input id="grid" value={f.gridId} onInput={set('gridId')} /></Field>
        )}
        {s3 && (
          <>
            <Field id="region" label={provider === 'AWS' ? 'Region' : 'Region (optional)'}>
              <input id="region" required={provider === 'AWS'} placeholder={provider === 'AWS' ? 'eu-west-1' : 'us-east-1'} value={f.region} onInput={set('region')} />
            </Field>
            <Field id="access-key" label="Access key"><input id="access-key" required autocomplete="off" value={f.accessKey} onInput={set('accessKey')} /></Field>
            <Field id="secret" label="Secret key" hint="Sent once, kept encrypted by the server, never shown again.">
              <input id="secret" type="password" required autocomplete="new-password" value={f.secret} onInput={set('secret')} />
            </Field>
          </>
        )}
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>{busy ? 'Activating…' : 'Activate backup'}</button>
          <Link href={`/environments/${enc(weId)}`}>Cancel</Link>
        </div>
      </form>
    </Page>
  );
}

function Field({ id, label, hint, children }: { id: string; label: string; hint?: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children}
      {hint && <p class="hint">{hint}</p>}
    </div>
  );
}
