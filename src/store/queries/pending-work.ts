import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

/**
 * Cheap reads a long-polling agent's claim repeats while it waits: the write
 * transactions that actually claim run only when these see something to take.
 */
export async function hasPendingTask(db: Kysely<Database>, agentId: string): Promise<boolean> {
  const r = await db.selectFrom('tasks').select('id').where('agent_id', '=', agentId).where('status', '=', 'PENDING').limit(1).executeTakeFirst();
  return r !== undefined;
}

/**
 * Expired PENDING calls count too (their asker died mid-wait): the claim that follows
 * deletes them, so they cannot pile up.
 */
export async function hasPendingAgentCall(db: Kysely<Database>, agentId: string, _now: number): Promise<boolean> {
  const r = await db.selectFrom('agent_calls').select('id')
    .where('agent_id', '=', agentId).where('status', '=', 'PENDING').limit(1).executeTakeFirst();
  return r !== undefined;
}
