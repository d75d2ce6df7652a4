import type { JSX } from 'preact';
import { useConsole } from '../context';
import { Empty, ErrorBox, Loading, Page, Status, TableBox } from '../components/ui';
import { Link } from '../router';
import { enc, useBackupEnvironments, useEnvironments } from './shared';

/** The account's working environments: whose agent, whether backup is on and where it goes, how many volumes are protected. */
export function EnvironmentsPage(): JSX.Element {
  const { canAdminister } = useConsole();
  const wes = useEnvironments();
  const backup = useBackupEnvironments();
  const state = new Map((backup.value ?? []).map((b) => [b.id, b]));
  return (
    <Page title="Working environments" sub="Registered by their agents. Each has one backup repository for all its volumes.">
      <ErrorBox error={wes.error ?? backup.error} />
      {wes.loading && !wes.value && <Loading what="working environments" />}
      {wes.value && wes.value.length === 0 && (
        <Empty title="No working environment has registered yet.">
          <p><code>cbs serve</code> registers <code>local</code> through its embedded agent; <code>cbs agent --we NAME=ROOT</code> adds others.</p>
        </Empty>
      )}
      {wes.value && wes.value.length > 0 && (
        <TableBox label="Working environments">
          <table>
            <thead>
              <tr><th scope="col">Name</th><th scope="col">Agent</th><th scope="col">Backup</th><th scope="col">Where</th><th scope="col">Protected volumes</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr>
            </thead>
            <tbody>
              {wes.value.map((w) => {
                const b = state.get(w.id);
                const en = b?.['backup-enablement-status'] ?? 'OFF';
                return (
                  <tr key={w.id} data-we={w.name}>
                    <td><Link href={`/environments/${enc(w.id)}`}>{w.name}</Link></td>
                    <td><Status value={w.status} label={w.status === 'ON' ? 'connected' : 'not seen'} /></td>
                    <td><Status value={en} /></td>
                    <td>{b && b.provider ? <>{b.provider} · <code>{b.bucket}</code>{b.region ? ` · ${b.region}` : ''}</> : '—'}</td>
                    <td>{b ? `${b['backed-up-volume-count']} of ${b['total-volumes-count']}` : `0 of ${w['total-volumes-count']}`}</td>
                    <td class="row-actions">
                      {canAdminister && (en === 'OFF' || en === 'FAILED') && <Link class="button" href={`/environments/${enc(w.id)}/activate`}>Activate backup</Link>}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableBox>
      )}
    </Page>
  );
}
