import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { CbsError } from '../../errors/index.js';
import { encodeJson } from '../json-codec.js';
import type { Database } from '../schema.js';
import { requireLease } from './lease-guard.js';
import { lockJob, rederiveJob } from './rederive-job.js';

/** Longest task error kept; agents may send whole stack traces. */
export const MAX_TASK_ERROR_CHARS = 4000;

export type TaskOutcome =
  | { status: 'SUCCESS'; result: Record<string, unknown> }
  | { status: 'FAILED'; error: string };

/**
 * Records a task's outcome, the snapshot id on its volume entry, and re-derives the
 * job, all in the caller's write transaction. Locks the job before the task (the
 * order every job-changing transaction uses). Returns the job id.
 */
export async function finishTask(
  d: StoreDialect, db: Kysely<Database>, taskId: string, agentId: string, leaseToken: string, outcome: TaskOutcome, now: number,
): Promise<string> {
  const found = await db.selectFrom('tasks').select('job_id').where('id', '=', taskId).executeTakeFirst();
  if (found === undefined) throw new CbsError('TASK_NOT_FOUND', `task ${taskId} not found`);
  await lockJob(d, db, found.job_id);
  const task = await requireLease(d, db, taskId, agentId, leaseToken, now);

  if (outcome.status === 'SUCCESS') {
    await db.updateTable('tasks').set({
      status: 'SUCCESS', result: encodeJson(outcome.result), error: '', lease_token: null, lease_expires_at: null, updated_at: now,
    }).where('id', '=', taskId).execute();
    const snapshotId = outcome.result['snapshotId'];
    if (task.entry_id !== null && typeof snapshotId === 'string') {
      await db.updateTable('job_entries').set({ snapshot_id: snapshotId })
        .where('job_id', '=', task.job_id).where('id', '=', task.entry_id).where('kind', '=', 'volume').execute();
    }
  } else {
    const error = outcome.error.trim() === '' ? 'failed without a reason' : outcome.error.slice(0, MAX_TASK_ERROR_CHARS);
    await db.updateTable('tasks').set({
      status: 'FAILED', error, lease_token: null, lease_expires_at: null, updated_at: now,
    }).where('id', '=', taskId).execute();
  }
  await rederiveJob(d, db, task.job_id, now);
  return task.job_id;
}
