import type { Kysely } from 'kysely';
import type { StoreDialect } from '../dialect.js';
import { CbsError } from '../../errors/index.js';
import { encodeJson } from '../json-codec.js';
import type { TaskCompletion } from '../job-store.js';
import type { Database } from '../schema.js';
import { recordBackup } from './backups.js';
import { requireLease } from './lease-guard.js';
import { lockJob, rederiveJob } from './rederive-job.js';
import { upsertVolume } from './working-environments.js';

/** Longest task error (or warning) kept; agents may send whole stack traces. */
export const MAX_TASK_ERROR_CHARS = 4000;

export type TaskOutcome =
  | { status: 'SUCCESS'; completion: TaskCompletion }
  | { status: 'FAILED'; error: string };

/**
 * Records a task's outcome and re-derives its job, all in the caller's write
 * transaction. Locks the job before the task (the order every job-changing transaction
 * uses), then checks the lease: nothing of the outcome is written unless the caller
 * holds it. A success also applies what the task made — the snapshot on its volume
 * entry, the backup record, the volume created — in the same transaction. Returns the
 * job id.
 */
export async function finishTask(
  d: StoreDialect, db: Kysely<Database>, taskId: string, agentId: string, leaseToken: string, outcome: TaskOutcome, now: number,
): Promise<string> {
  const found = await db.selectFrom('tasks').select('job_id').where('id', '=', taskId).executeTakeFirst();
  if (found === undefined) throw new CbsError('TASK_NOT_FOUND', `task ${taskId} not found`);
  await lockJob(d, db, found.job_id);
  const task = await requireLease(d, db, taskId, agentId, leaseToken, now);

  if (outcome.status === 'SUCCESS') {
    const c = outcome.completion;
    await db.updateTable('tasks').set({
      status: 'SUCCESS', result: encodeJson(c.result), error: bounded(c.warning ?? ''), lease_token: null, lease_expires_at: null, updated_at: now,
    }).where('id', '=', taskId).execute();
    const snapshotId = c.snapshotId ?? c.backup?.id;
    if (task.entry_id !== null && (snapshotId !== undefined || c.skipped !== undefined)) {
      await db.updateTable('job_entries').set({
        ...(snapshotId === undefined ? {} : { snapshot_id: snapshotId }),
        ...(c.skipped === undefined ? {} : { skipped: encodeJson(c.skipped) }),
      }).where('job_id', '=', task.job_id).where('id', '=', task.entry_id).where('kind', '=', 'volume').execute();
    }
    if (c.backup !== undefined) await recordBackup(db, { ...c.backup, accountId: task.account_id, jobId: task.job_id });
    if (c.volume !== undefined) await upsertVolume(db, c.volume, now);
  } else {
    const error = outcome.error.trim() === '' ? 'failed without a reason' : bounded(outcome.error);
    await db.updateTable('tasks').set({
      status: 'FAILED', error, lease_token: null, lease_expires_at: null, updated_at: now,
    }).where('id', '=', taskId).execute();
  }
  await rederiveJob(d, db, task.job_id, now);
  return task.job_id;
}

function bounded(s: string): string {
  return s.slice(0, MAX_TASK_ERROR_CHARS);
}
