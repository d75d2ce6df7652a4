import type { Kysely, Selectable } from 'kysely';
import { CbsError } from '../../errors/index.js';
import type { StoreDialect } from '../dialect.js';
import { decodeJson, encodeJson, encodeJsonOrNull } from '../json-codec.js';
import type { AgentCall } from '../backup-model.js';
import type { AgentCallRow, Database } from '../schema.js';

function toCall(r: Selectable<AgentCallRow>): AgentCall {
  const c: AgentCall = {
    id: r.id, accountId: r.account_id, agentId: r.agent_id, kind: r.kind,
    payload: decodeJson<Record<string, unknown>>(r.payload, 'agent_calls.payload') ?? {},
    status: r.status as AgentCall['status'], createdAt: r.created_at, expiresAt: r.expires_at,
  };
  const result = decodeJson<unknown>(r.result, 'agent_calls.result');
  if (result !== undefined) c.result = result;
  const error = decodeJson<{ code: string; message: string }>(r.error, 'agent_calls.error');
  if (error !== undefined) c.error = error;
  return c;
}

export async function createAgentCall(db: Kysely<Database>, c: Omit<AgentCall, 'status'>): Promise<AgentCall> {
  await db.insertInto('agent_calls').values({
    id: c.id, account_id: c.accountId, agent_id: c.agentId, kind: c.kind, payload: encodeJson(c.payload),
    status: 'PENDING', result: null, error: null, created_at: c.createdAt, expires_at: c.expiresAt,
  }).execute();
  return { ...c, status: 'PENDING' };
}

/**
 * Hands the agent up to `max` of its unexpired PENDING calls, oldest first, marking them
 * CLAIMED; expired calls are deleted on the way (nobody waits for them any more).
 * Run in a write transaction.
 */
export async function claimAgentCalls(d: StoreDialect, db: Kysely<Database>, agentId: string, max: number, now: number): Promise<AgentCall[]> {
  await db.deleteFrom('agent_calls').where('agent_id', '=', agentId).where('expires_at', '<', now).execute();
  const rows = await d.forUpdateSkipLocked(
    db.selectFrom('agent_calls').selectAll().where('agent_id', '=', agentId).where('status', '=', 'PENDING')
      .orderBy('created_at').limit(max),
  ).execute();
  if (rows.length === 0) return [];
  await db.updateTable('agent_calls').set({ status: 'CLAIMED' }).where('id', 'in', rows.map((r) => r.id)).execute();
  return rows.map((r) => ({ ...toCall(r), status: 'CLAIMED' as const }));
}

/** TASK_NOT_FOUND when the call is unknown, expired or not this agent's. Run in a write transaction. */
export async function finishAgentCall(
  db: Kysely<Database>, id: string, agentId: string, outcome: { result: unknown } | { error: { code: string; message: string } },
): Promise<void> {
  const r = await db.updateTable('agent_calls').set({
    status: 'DONE',
    result: 'result' in outcome ? encodeJsonOrNull(outcome.result ?? null) : null,
    error: 'error' in outcome ? encodeJson(outcome.error) : null,
  }).where('id', '=', id).where('agent_id', '=', agentId).where('status', '=', 'CLAIMED').executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) throw new CbsError('TASK_NOT_FOUND', `call ${id} is not waiting for an answer from this agent`);
}

export async function getAgentCall(db: Kysely<Database>, id: string): Promise<AgentCall | undefined> {
  const r = await db.selectFrom('agent_calls').selectAll().where('id', '=', id).executeTakeFirst();
  return r === undefined ? undefined : toCall(r);
}

export async function deleteAgentCall(db: Kysely<Database>, id: string): Promise<void> {
  await db.deleteFrom('agent_calls').where('id', '=', id).execute();
}
