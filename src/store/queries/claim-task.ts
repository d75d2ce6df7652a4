import type { Kysely } from 'kysely';
import { newLeaseToken } from '../../jobs/lease.js';
import type { StoreDialect } from '../dialect.js';
import type { Task } from '../model.js';
import { toTask } from '../rows.js';
import type { Database } from '../schema.js';
import { rederiveJob } from './rederive-job.js';

/**
 * Leases the agent's oldest PENDING task (jobs in creation order, tasks in job order).
 * PostgreSQL: SKIP LOCKED lets concurrent claimers pass over each other's candidate;
 * SQLite: the transaction already holds the one writer lock. Run in a write transaction.
 */
export async function claimTask(d: StoreDialect, db: Kysely<Database>, agentId: string, leaseMs: number, now: number): Promise<Task | undefined> {
  const candidate = await d.forUpdateSkipLocked(
    db.selectFrom('tasks').select(['id', 'job_id'])
      .where('agent_id', '=', agentId).where('status', '=', 'PENDING')
      .orderBy('created_at').orderBy('job_id').orderBy('position')
      .limit(1),
  ).executeTakeFirst();
  if (candidate === undefined) return undefined;
  const row = await db.updateTable('tasks')
    .set((eb) => ({
      status: 'LEASED', lease_token: newLeaseToken(), lease_expires_at: now + leaseMs,
      attempts: eb('attempts', '+', 1), updated_at: now,
    }))
    .where('id', '=', candidate.id).where('status', '=', 'PENDING')
    .returningAll().executeTakeFirst();
  if (row === undefined) throw new Error(`task ${candidate.id} changed under its row lock`);
  await rederiveJob(d, db, candidate.job_id, now);
  return toTask(row);
}
