import type { ExpressionBuilder, Kysely } from 'kysely';
import { DEFAULTS } from '../../config/defaults.js';
import { leaseExpiryOutcome, strandedTaskError } from '../../jobs/lease.js';
import type { StoreDialect } from '../dialect.js';
import type { Database } from '../schema.js';
import { lockJob, rederiveJob } from './rederive-job.js';

/**
 * A task is stranded when its agent is gone while its job runs: it is PENDING, it was
 * given back after an expired lease or its job has started (another task was claimed),
 * it has waited longer than the timeout, and its agent shows no sign of life: it holds
 * no live lease (a busy agent heartbeats) and has not been seen (touchAgent, on every
 * agent request) within the timeout. A live, idle agent would have claimed the task.
 * The sweep's own writes are no sign of life, so one sweep sees every stranded task.
 * Tasks of jobs that never started are left to wait: the job stays honestly PENDING.
 */
function stranded(now: number, timeoutMs: number) {
  const since = now - timeoutMs;
  return (eb: ExpressionBuilder<Database, 'tasks'>) => eb.and([
    eb('tasks.status', '=', 'PENDING'),
    eb.or([
      eb('tasks.attempts', '>', 0),
      eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.id', '=', 'tasks.job_id').where('jobs.status', '=', 'IN_PROGRESS')),
    ]),
    eb('tasks.updated_at', '<', since),
    eb.not(eb.exists(eb.selectFrom('tasks as busy').select('busy.id')
      .whereRef('busy.agent_id', '=', 'tasks.agent_id').where('busy.status', '=', 'LEASED').where('busy.lease_expires_at', '>=', now))),
    eb.not(eb.exists(eb.selectFrom('agents').select('agents.id')
      .whereRef('agents.id', '=', 'tasks.agent_id').where('agents.last_seen_at', '>=', since))),
  ]);
}

/** Jobs having a LEASED task whose lease ran out before `now` (served by the (status, lease_expires_at) index), or a stranded task. */
export async function jobsWithExpiredLeases(db: Kysely<Database>, now: number, timeoutMs: number = DEFAULTS.agentGoneMs): Promise<string[]> {
  const expired = await db.selectFrom('tasks').select('job_id').distinct()
    .where('status', '=', 'LEASED').where('lease_expires_at', '<', now).execute();
  const strandedJobs = await db.selectFrom('tasks').select('job_id').distinct().where(stranded(now, timeoutMs)).execute();
  return [...new Set([...expired, ...strandedJobs].map((r) => r.job_id))].sort();
}

/**
 * Gives back (PENDING, lease cleared) or fails each expired task of one job, fails its
 * stranded tasks, and re-derives the job; run in one write transaction per job.
 * Returns the tasks changed.
 */
export async function expireJobLeases(
  d: StoreDialect, db: Kysely<Database>, jobId: string, now: number, timeoutMs: number = DEFAULTS.agentGoneMs,
): Promise<number> {
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
  // SKIP LOCKED: a stranded task locked right now is being claimed (its agent is back),
  // and waiting for it would invert the claim's task-then-job lock order.
  const strandedTasks = await d.forUpdateSkipLocked(
    db.selectFrom('tasks').select(['id', 'attempts', 'agent_id']).where('job_id', '=', jobId).where(stranded(now, timeoutMs)),
  ).execute();
  for (const t of strandedTasks) {
    await db.updateTable('tasks').set({
      status: 'FAILED', error: strandedTaskError({ attempts: t.attempts, agentId: t.agent_id }, timeoutMs), updated_at: now,
    }).where('id', '=', t.id).execute();
  }
  const changed = tasks.length + strandedTasks.length;
  if (changed > 0) await rederiveJob(d, db, jobId, now);
  return changed;
}
