import type { Kysely } from 'kysely';
import { leaseExpiryOutcome } from '../../jobs/lease.js';
import type { StoreDialect } from '../dialect.js';
import type { Database } from '../schema.js';
import { lockJob, rederiveJob } from './rederive-job.js';

/** Jobs having a LEASED task whose lease ran out before `now` (served by the (status, lease_expires_at) index). */
export async function jobsWithExpiredLeases(db: Kysely<Database>, now: number): Promise<string[]> {
  const rows = await db.selectFrom('tasks').select('job_id').distinct()
    .where('status', '=', 'LEASED').where('lease_expires_at', '<', now).execute();
  return rows.map((r) => r.job_id).sort();
}

/**
 * Gives back (PENDING, lease cleared) or fails each expired task of one job and
 * re-derives the job; run in one write transaction per job. Returns the tasks changed.
 */
export async function expireJobLeases(d: StoreDialect, db: Kysely<Database>, jobId: string, now: number): Promise<number> {
  await lockJob(d, db, jobId);
  const tasks = await d.forUpdate(
    db.selectFrom('tasks').select(['id', 'attempts', 'max_attempts', 'agent_id'])
      .where('job_id', '=', jobId).where('status', '=', 'LEASED').where('lease_expires_at', '<', now),
  ).execute();
  for (const t of tasks) {
    const outcome = leaseExpiryOutcome({ attempts: t.attempts, maxAttempts: t.max_attempts, agentId: t.agent_id });
    await db.updateTable('tasks').set({
      status: outcome.status, lease_token: null, lease_expires_at: null, updated_at: now,
      ...(outcome.status === 'FAILED' ? { error: outcome.error } : {}),
    }).where('id', '=', t.id).execute();
  }
  if (tasks.length > 0) await rederiveJob(d, db, jobId, now);
  return tasks.length;
}
