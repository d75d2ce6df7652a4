import type { Kysely } from 'kysely';
import { validateProgress } from '../../jobs/validate-new-job.js';
import type { StoreDialect } from '../dialect.js';
import type { Progress, Task } from '../model.js';
import { encodeJson } from '../json-codec.js';
import { toTask } from '../rows.js';
import type { Database } from '../schema.js';
import { requireLease } from './lease-guard.js';

/** Extends a live lease to now + leaseMs and records progress. Run in a write transaction. */
export async function heartbeatTask(
  d: StoreDialect, db: Kysely<Database>, taskId: string, agentId: string, leaseToken: string,
  progress: Progress | undefined, leaseMs: number, now: number,
): Promise<Task> {
  if (progress !== undefined) validateProgress(progress);
  await requireLease(d, db, taskId, agentId, leaseToken, now);
  const row = await db.updateTable('tasks')
    .set({
      lease_expires_at: now + leaseMs, updated_at: now,
      ...(progress === undefined ? {} : {
        progress: encodeJson({ bytesDone: progress.bytesDone, bytesTotal: progress.bytesTotal, filesDone: progress.filesDone, filesTotal: progress.filesTotal }),
      }),
    })
    .where('id', '=', taskId).returningAll().executeTakeFirstOrThrow();
  return toTask(row);
}
