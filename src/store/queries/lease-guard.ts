import type { Kysely, Selectable } from 'kysely';
import { CbsError } from '../../errors/index.js';
import { checkLease } from '../../jobs/lease.js';
import type { StoreDialect } from '../dialect.js';
import type { Database, TaskRow } from '../schema.js';

/**
 * Reads and locks the task, and throws unless `agentId` with `leaseToken` holds its
 * live lease: TASK_NOT_FOUND for an unknown id, LEASE_LOST otherwise.
 */
export async function requireLease(
  d: StoreDialect, db: Kysely<Database>, taskId: string, agentId: string, leaseToken: string, now: number,
): Promise<Selectable<TaskRow>> {
  const row = await d.forUpdate(db.selectFrom('tasks').selectAll().where('id', '=', taskId)).executeTakeFirst();
  if (row === undefined) throw new CbsError('TASK_NOT_FOUND', `task ${taskId} not found`);
  const check = checkLease({
    status: row.status, agentId: row.agent_id,
    ...(row.lease_token === null ? {} : { leaseToken: row.lease_token }),
    ...(row.lease_expires_at === null ? {} : { leaseExpiresAt: row.lease_expires_at }),
  }, agentId, leaseToken, now);
  switch (check) {
    case 'ok': return row;
    case 'not-leased': throw lost(taskId, `is ${row.status}, not leased`);
    case 'other-agent': throw lost(taskId, 'is not leased to this agent');
    case 'other-token': throw lost(taskId, 'is held under another lease');
    case 'expired': throw lost(taskId, 'lease has expired');
    default: {
      const never: never = check;
      throw lost(taskId, String(never));
    }
  }
}

function lost(taskId: string, why: string): CbsError {
  return new CbsError('LEASE_LOST', `task ${taskId} ${why}`, { details: { taskId } });
}
