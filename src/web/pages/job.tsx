import type { JSX } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { useJob } from '../context';
import type { Batch, EntryStatus, Job, VolumeEntry } from '../api/types';
import { ErrorBox, Facts, Loading, Page, ProgressBar, Status, TableBox, toneOf } from '../components/ui';
import { bytes, count, isoWhen, jobDuration, shortId, typeLabel, when } from '../format';
import { Link } from '../router';
import { isTerminal } from '../feed/job-feed';
import { useBackedUpVolumes, useEnvironmentNames, useNow } from './shared';

/** One job, live: its state and times, progress, error, and its volume entries or restore batches. */
export function JobPage({ jobId }: { jobId: string }): JSX.Element {
  const { job, error } = useJob(jobId);
  const names = useEnvironmentNames();
  const now = useNow(job?.status === 'IN_PROGRESS');
  if (!job) {
    return (
      <Page title="Job" sub={<code>{jobId}</code>}>
        <ErrorBox error={error} />
        {!error && <Loading what="the job" />}
      </Page>
    );
  }
  const weId = job['working-environment-id'];
  return (
    <Page title={typeLabel(job.type)} sub={<>Job <code>{job.id}</code></>} actions={<Status value={job.status} />}>
      <ErrorBox error={error} title="Could not refresh" />
      <Facts items={[
        ['Status', <span class="job-status" data-status={job.status}>{job.status.replace('_', ' ')}{isTerminal(job.status) ? '' : ' · updating live'}</span>],
        ['Working environment', <Link href={`/environments/${encodeURIComponent(weId)}`}>{names.get(weId) ?? weId}</Link>],
        ['Created', <time dateTime={isoWhen(job.time)}>{when(job.time)}</time>],
        ['Started', <time dateTime={isoWhen(job['start-time'])}>{when(job['start-time'])}</time>],
        ['Ended', <time dateTime={isoWhen(job['end-time'])}>{when(job['end-time'])}</time>],
        ['Duration', jobDuration(job, now)],
      ]} />
      <ProgressBar progress={job.progress} />
      {job.error && (
        <div class="error job-error" role="status"><strong>Error: </strong><span>{job.error}</span></div>
      )}
      {job.data?.['multi-volume-backup'] && <VolumeEntries weId={weId} entries={job.data['multi-volume-backup'].volume} />}
      {job.data?.restore && <RestoreDetails job={job} />}
    </Page>
  );
}

function Tally({ items }: { items: Array<{ status: EntryStatus }> }): JSX.Element {
  const by = new Map<string, number>();
  for (const i of items) by.set(i.status, (by.get(i.status) ?? 0) + 1);
  return (
    <p class="tally">
      {(['SUCCESS', 'FAILED', 'IN_PROGRESS', 'PENDING'] as const).filter((s) => by.has(s)).map((s) => (
        <span key={s}><Status value={s} /> {by.get(s)!.toLocaleString()}</span>
      ))}
    </p>
  );
}

function VolumeEntries({ weId, entries }: { weId: string; entries: VolumeEntry[] }): JSX.Element {
  const vols = useBackedUpVolumes(weId);
  const nameOf = new Map((vols.value ?? []).map((v) => [v['file-system-id'], v.name]));
  return (
    <section aria-labelledby="volumes-title">
      <h2 id="volumes-title">Volumes ({entries.length})</h2>
      <Tally items={entries} />
      <TableBox label="Volumes of the job">
        <table class="entries">
          <thead><tr><th scope="col">Volume</th><th scope="col">Status</th><th scope="col">Backup</th><th scope="col">Error</th></tr></thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-volume-id={e.id} data-status={e.status}>
                <td><Link href={`/environments/${encodeURIComponent(weId)}/volumes/${encodeURIComponent(e.id)}`}>{nameOf.get(e.id) ?? e.id}</Link></td>
                <td><Status value={e.status} /></td>
                <td>{e['snapshot-id'] ? <code title={e['snapshot-id']}>{shortId(e['snapshot-id'])}</code> : '—'}</td>
                <td class={e.error ? 'entry-error' : 'muted'}>{e.error || '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableBox>
    </section>
  );
}

function RestoreDetails({ job }: { job: Job }): JSX.Element {
  const r = job.data!.restore!;
  const src = r.source ?? {};
  const dst = r.target ?? {};
  return (
    <>
      <section aria-labelledby="restore-title" class="two">
        <h2 id="restore-title" class="visually-hidden">What is restored where</h2>
        <div>
          <h3>From</h3>
          <Facts items={[
            ['Working environment', src['working-environment-name'] ?? src['working-environment-id'] ?? '—'],
            ['Volume', src['volume-name'] ?? src['volume-id'] ?? '—'],
            ['Backup', src.snapshot ? <code title={src.snapshot}>{shortId(src.snapshot)}</code> : '—'],
            ['Kind', r.type],
          ]} />
        </div>
        <div>
          <h3>To</h3>
          <Facts items={[
            ['Working environment', dst['working-environment-name'] ?? dst['working-environment-id'] ?? '—'],
            ['Volume', dst['volume-name'] ?? '—'],
            ['Path', <code>{dst.path ?? '/'}</code>],
            ...(dst['volume-size'] !== undefined ? [['Size', bytes(dst['volume-size'])] as [string, string]] : []),
          ]} />
        </div>
      </section>
      {r.batch && <Batches batches={r.batch} />}
    </>
  );
}

/** Restore batches: one row each (files, bytes, status, error); a batch's files are drawn only when opened. */
function Batches({ batches }: { batches: Batch[] }): JSX.Element {
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => batches.map((b, i) => ({ b, n: i + 1, bytes: b.file.reduce((s, f) => s + f.size, 0) })), [batches]);
  const failed = useMemo(() => rows.filter((r) => r.b.status === 'FAILED'), [rows]);
  const files = useMemo(() => rows.reduce((s, r) => s + r.b.file.length, 0), [rows]);
  const shown = onlyFailed ? failed : rows;
  // One handler for every row's button; the rows themselves are redrawn only when the job or the opened set changes.
  const onClick = (e: MouseEvent): void => {
    const id = (e.target as HTMLElement).closest<HTMLElement>('button[data-batch]')?.dataset['batch'];
    if (id) setOpen((s) => { const x = new Set(s); if (x.has(id)) x.delete(id); else x.add(id); return x; });
  };
  const body = useMemo(() => <BatchRows rows={shown} open={open} />, [shown, open]);
  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">Batches ({batches.length.toLocaleString()}) · {count(files, 'file')}</h2>
      <Tally items={batches} />
      {failed.length > 0 && (
        <label class="check"><input type="checkbox" checked={onlyFailed} onChange={() => setOnlyFailed(!onlyFailed)} /> Only the {failed.length.toLocaleString()} failed</label>
      )}
      <TableBox label="Restore batches">
        <table class="entries batches" data-batch-count={batches.length} onClick={onClick}>
          <thead><tr><th scope="col">#</th><th scope="col">Status</th><th scope="col">Files</th><th scope="col">Size</th><th scope="col">Error</th></tr></thead>
          {body}
        </table>
      </TableBox>
    </section>
  );
}

/** Plain elements only: a thousand rows must draw in well under a second. */
function BatchRows({ rows, open }: { rows: Array<{ b: Batch; n: number; bytes: number }>; open: ReadonlySet<string> }): JSX.Element {
  return (
    <tbody>
      {rows.map(({ b, n, bytes: size }) => [
        <tr key={b.id} class="batch" data-status={b.status}>
          <td>{n}</td>
          <td><span class={`status tone-${toneOf(b.status)}`}>{b.status.replace('_', ' ')}</span></td>
          <td><button type="button" class="link" data-batch={b.id} aria-expanded={open.has(b.id)}>{count(b.file.length, 'file')}</button></td>
          <td>{bytes(size)}</td>
          <td class={b.error ? 'entry-error' : 'muted'}>{b.error || '—'}</td>
        </tr>,
        open.has(b.id) && (
          <tr key={`${b.id}-files`} class="batch-files">
            <td colSpan={5}>
              <ul>{b.file.map((f) => <li key={f.path}><code>{f.path}</code> <span class="muted">{f.type.toLowerCase()} · {bytes(f.size)}</span></li>)}</ul>
            </td>
          </tr>
        ),
      ])}
    </tbody>
  );
}
