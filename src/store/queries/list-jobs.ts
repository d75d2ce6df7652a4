import type { Kysely } from 'kysely';
import { CbsError } from '../../errors/index.js';
import { JOB_STATUSES, type Job, type JobFilter, type JobStatus } from '../model.js';
import type { Database } from '../schema.js';
import { loadJobs } from './load-jobs.js';

/** The API's largest page (1000) plus the one row it reads ahead to learn whether another page follows. */
export const MAX_LIST_LIMIT = 1001;

/** Newest first (time desc, id desc); `before` continues strictly after the last job of the previous page. */
export async function listJobs(db: Kysely<Database>, accountId: string, f: JobFilter): Promise<Job[]> {
  if (!Number.isInteger(f.limit) || f.limit < 1 || f.limit > MAX_LIST_LIMIT) {
    throw new CbsError('VALIDATION_FAILED', `limit: must be an integer from 1 to ${MAX_LIST_LIMIT}`, { details: { field: 'limit' } });
  }
  let q = db.selectFrom('jobs').selectAll().where('account_id', '=', accountId);
  if (f.type !== undefined) q = q.where('type', '=', f.type);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.workingEnvironmentId !== undefined) q = q.where('working_environment_id', '=', f.workingEnvironmentId);
  const before = f.before;
  if (before !== undefined) {
    // (time, id) < (t, i), spelled so both planners bound the index range by time
    // (the plain OR form made PostgreSQL filter every newer row instead).
    q = q.where('time', '<=', before.time).where((eb) => eb.or([
      eb('time', '<', before.time),
      eb('id', '<', before.id),
    ]));
  }
  const rows = await q.orderBy('time', 'desc').orderBy('id', 'desc').limit(f.limit).execute();
  return loadJobs(db, rows);
}

export async function countJobsByStatus(db: Kysely<Database>): Promise<Record<JobStatus, number>> {
  const rows = await db.selectFrom('jobs').select((eb) => ['status', eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
  const out = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
  for (const r of rows) {
    if ((JOB_STATUSES as readonly string[]).includes(r.status)) out[r.status as JobStatus] = Number(r.n);
  }
  return out;
}
