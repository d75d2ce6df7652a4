import type { Kysely, Selectable } from 'kysely';
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

export async function loadJob(db: Kysely<Database>, jobId: string, accountId?: string): Promise<Job | undefined> {
  let q = db.selectFrom('jobs').selectAll().where('id', '=', jobId);
  if (accountId !== undefined) q = q.where('account_id', '=', accountId);
  const row = await q.executeTakeFirst();
  if (row === undefined) return undefined;
  const [job] = await loadJobs(db, [row]);
  return job;
}
