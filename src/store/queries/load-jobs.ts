import { sql, type CompiledQuery, type InferResult, type Kysely, type Selectable } from 'kysely';
import { sumProgress } from '../../jobs/sum-progress.js';
import type { Job, JobEntry, Progress } from '../model.js';
import { decodeJson } from '../json-codec.js';
import { toEntry, toJob } from '../rows.js';
import type { Database, JobRow } from '../schema.js';

/**
 * Completes job rows with their entries and summed task progress (two queries for
 * any number of jobs). The job rows must have been read first: entries and tasks are
 * then at least as new as the job, so a terminal job never shows running entries.
 */
export async function loadJobs(db: Kysely<Database>, rows: ReadonlyArray<Selectable<JobRow>>): Promise<Job[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const entryRows = await db.selectFrom('job_entries').selectAll()
    .where('job_id', 'in', ids).orderBy('job_id').orderBy('position').execute();
  const progressRows = await db.selectFrom('tasks').select(['job_id', 'progress'])
    .where('job_id', 'in', ids).where('progress', 'is not', null).execute();
  const entries = new Map<string, JobEntry[]>();
  for (const e of entryRows) {
    let list = entries.get(e.job_id);
    if (list === undefined) entries.set(e.job_id, (list = []));
    list.push(toEntry(e));
  }
  const progress = new Map<string, Array<Progress | undefined>>();
  for (const p of progressRows) {
    let list = progress.get(p.job_id);
    if (list === undefined) progress.set(p.job_id, (list = []));
    list.push(decodeJson<Progress>(p.progress, 'tasks.progress'));
  }
  return rows.map((r) => toJob(r, entries.get(r.id) ?? [], sumProgress(progress.get(r.id) ?? [])));
}

/**
 * One job by id in ONE statement (one snapshot, one round trip: the job API's hot
 * path): the job row joined with its entries and with its tasks' progress, the latter
 * folded into one comma-separated list of JSON objects by string_agg (PostgreSQL, and
 * SQLite since 3.44).
 */
export async function loadJob(db: Kysely<Database>, jobId: string, accountId?: string): Promise<Job | undefined> {
  const compiled = compiledLoadJob(db, accountId !== undefined);
  const parameters = compiled.parameters.map((p) => (p === JOB_ID ? jobId : p === ACCOUNT_ID ? accountId : p));
  const { rows } = await db.executeQuery<LoadJobRow>({ ...compiled, parameters });
  const first = rows[0];
  if (first === undefined) return undefined;
  const entries: JobEntry[] = [];
  for (const r of rows) {
    if (r.e_id === null) continue; // a job without entries: one row, entry columns null
    entries.push(toEntry({
      job_id: first.id, id: r.e_id, kind: r.e_kind!, position: r.e_position!, name: r.e_name, status: r.e_status!,
      error: r.e_error!, time: r.e_time!, snapshot_id: r.e_snapshot_id, files: r.e_files, skipped: r.e_skipped,
    }));
  }
  const progress = first.progress_list === null ? undefined
    : sumProgress(decodeJson<Progress[]>(`[${first.progress_list}]`, 'tasks.progress') ?? []);
  const job: Selectable<JobRow> = {
    id: first.id, account_id: first.account_id, working_environment_id: first.working_environment_id, type: first.type,
    status: first.status, error: first.error, time: first.time, start_time: first.start_time, end_time: first.end_time,
    restore: first.restore,
  };
  return toJob(job, entries, progress);
}

/*
 * The job API's hot path builds this statement once per database handle instead of on
 * every call: Kysely's build-and-compile costs several times what SQLite spends running
 * it. The placeholders below mark where the call's values go.
 */
const JOB_ID = '\u0000job-id';
const ACCOUNT_ID = '\u0000account-id';
const compiledCache = new WeakMap<Kysely<Database>, Map<boolean, CompiledQuery<LoadJobRow>>>();

function buildLoadJob(db: Kysely<Database>, scoped: boolean) {
  const progressList = db.selectFrom('tasks')
    .select(sql<string | null>`string_agg(progress, ',')`.as('list'))
    .where('job_id', '=', JOB_ID).where('progress', 'is not', null);
  let q = db.selectFrom('jobs')
    .innerJoin(progressList.as('p'), (join) => join.onTrue())
    .leftJoin('job_entries', 'job_entries.job_id', 'jobs.id')
    .selectAll('jobs')
    .select([
      'p.list as progress_list',
      'job_entries.id as e_id', 'job_entries.kind as e_kind', 'job_entries.position as e_position',
      'job_entries.name as e_name', 'job_entries.status as e_status', 'job_entries.error as e_error',
      'job_entries.time as e_time', 'job_entries.snapshot_id as e_snapshot_id', 'job_entries.files as e_files',
      'job_entries.skipped as e_skipped',
    ])
    .where('jobs.id', '=', JOB_ID);
  if (scoped) q = q.where('jobs.account_id', '=', ACCOUNT_ID);
  return q.orderBy('job_entries.position');
}
type LoadJobRow = InferResult<ReturnType<typeof buildLoadJob>>[number];

function compiledLoadJob(db: Kysely<Database>, scoped: boolean): CompiledQuery<LoadJobRow> {
  let m = compiledCache.get(db);
  if (m === undefined) compiledCache.set(db, (m = new Map()));
  let c = m.get(scoped);
  if (c === undefined) m.set(scoped, (c = buildLoadJob(db, scoped).compile()));
  return c;
}
