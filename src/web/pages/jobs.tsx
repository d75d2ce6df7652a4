import type { JSX } from 'preact';
import { useConsole, useJobList } from '../context';
import { JOB_STATUSES, JOB_TYPES, type JobQuery } from '../api/types';
import { Empty, ErrorBox, Loading, Page, Status, TableBox } from '../components/ui';
import { isoWhen, jobDuration, typeLabel, when } from '../format';
import { Link, navigate, withQuery } from '../router';
import { useEnvironmentNames, useNow } from './shared';

const PAGE_SIZE = 50;
/** Cursors of the pages seen before this one, for "Newer". */
const visited: string[] = [];

/** The job monitor: the account's jobs, newest first, filtered and paged as GET P/v1/job allows, live. */
export function JobsPage({ query }: { query: URLSearchParams }): JSX.Element {
  const filters = { type: query.get('type') ?? '', status: query.get('status') ?? '', we: query.get('we') ?? '' };
  const cursor = query.get('cursor') ?? '';
  const q: JobQuery = {
    limit: PAGE_SIZE,
    ...(filters.type ? { type: filters.type } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.we ? { 'working-environment-id': filters.we } : {}),
    ...(cursor ? { cursor } : {}),
  };
  const { page, error } = useJobList(q);
  const names = useEnvironmentNames();
  const running = page?.job.some((j) => j.status === 'IN_PROGRESS') ?? false;
  const now = useNow(running);
  const { canOperate } = useConsole();

  const setFilter = (k: keyof typeof filters, v: string): void => {
    visited.length = 0;
    navigate(withQuery('/jobs', { ...filters, [k]: v }));
  };
  const older = (): void => {
    visited.push(cursor);
    navigate(withQuery('/jobs', { ...filters, cursor: page?.['next-cursor'] }));
  };
  const newer = (): void => navigate(withQuery('/jobs', { ...filters, cursor: visited.pop() }));
  const filtered = Boolean(filters.type || filters.status || filters.we);

  return (
    <Page title="Jobs" sub="Every backup, restore and activation of this account, newest first. The list updates by itself.">
      <form class="filters" aria-label="Filter jobs" onSubmit={(e) => e.preventDefault()}>
        <label>Type
          <select value={filters.type} onChange={(e) => setFilter('type', (e.target as HTMLSelectElement).value)}>
            <option value="">All types</option>
            {JOB_TYPES.map((t) => <option key={t} value={t}>{typeLabel(t)}</option>)}
          </select>
        </label>
        <label>Status
          <select value={filters.status} onChange={(e) => setFilter('status', (e.target as HTMLSelectElement).value)}>
            <option value="">All statuses</option>
            {JOB_STATUSES.map((s) => <option key={s} value={s}>{s.replace('_', ' ')}</option>)}
          </select>
        </label>
        <label>Working environment
          <select value={filters.we} onChange={(e) => setFilter('we', (e.target as HTMLSelectElement).value)}>
            <option value="">All</option>
            {[...names.entries()].map(([id, name]) => <option key={id} value={id}>{name}</option>)}
          </select>
        </label>
        {filtered && <button type="button" class="link" onClick={() => { visited.length = 0; navigate('/jobs'); }}>Clear filters</button>}
      </form>
      <ErrorBox error={error} />
      {!page && !error && <Loading what="jobs" />}
      {page && page.job.length === 0 && (
        filtered || cursor
          ? <Empty title="No jobs match these filters." />
          : (
            <Empty title="No jobs yet.">
              <p>A job appears here when backup is activated, a volume is backed up or something is restored.</p>
              {canOperate && <p><Link href="/environments">Open the working environments</Link> to start one.</p>}
            </Empty>
          )
      )}
      {page && page.job.length > 0 && (
        <TableBox label="Jobs">
          <table class="jobs">
            <thead>
              <tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Working environment</th><th scope="col">Created</th><th scope="col" class="wide">Started</th><th scope="col" class="wide">Ended</th><th scope="col">Duration</th></tr>
            </thead>
            <tbody>
              {page.job.map((j) => (
                <tr key={j.id} data-job-id={j.id}>
                  <td class="job-type"><Link href={`/jobs/${j.id}`}>{typeLabel(j.type)}</Link></td>
                  <td><Status value={j.status} /></td>
                  <td>{names.get(j['working-environment-id']) ?? j['working-environment-id']}</td>
                  <td><time dateTime={isoWhen(j.time)}>{when(j.time)}</time></td>
                  <td class="wide"><time dateTime={isoWhen(j['start-time'])}>{when(j['start-time'])}</time></td>
                  <td class="wide"><time dateTime={isoWhen(j['end-time'])}>{when(j['end-time'])}</time></td>
                  <td>{jobDuration(j, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableBox>
      )}
      {page && (cursor || page['next-cursor']) && (
        <nav class="pager" aria-label="Pages of jobs">
          <button type="button" onClick={newer} disabled={!cursor}>← Newer</button>
          <button type="button" onClick={older} disabled={!page['next-cursor']}>Older →</button>
        </nav>
      )}
    </Page>
  );
}
