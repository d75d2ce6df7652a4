import { randomUUID } from 'node:crypto';
import { CbsError, ERROR_REGISTRY, type ErrorCode } from '../errors/index.js';
import type { AgentCall } from '../store/backup-model.js';
import { CALLS, type CallKind, type CallPayload, type CallResult } from '../tasks/index.js';
import type { AgentIdentity } from './agent-work.js';
import type { OperationsDeps } from './deps.js';
import { longPoll } from './long-poll.js';

/** Calls handed to an agent per claim. */
const CALLS_PER_CLAIM = 16;

/**
 * Puts a short request to an agent through the store and waits for its answer. The
 * store is the rendezvous, so any control-plane instance can ask and any can receive
 * the answer; the agent long-polls /agent/v1/calls/claim. Used for live browse of a
 * volume, browse of a backup and key export: the control plane never reads volume data
 * or opens a repository itself. The answer was validated against the call kind when the
 * agent gave it (answerCall). An error the agent reports keeps its registered code; a
 * server-side one (5xx) is shown without the agent's message, which goes to the log.
 */
export async function callAgent<K extends CallKind>(
  deps: OperationsDeps, to: { accountId: string; agentId: string }, kind: K, payload: CallPayload<K>,
): Promise<CallResult<K>> {
  const { store } = deps;
  const now = Date.now();
  const timeout = deps.options.agentCallTimeoutMs;
  const call = await store.createAgentCall({
    id: randomUUID(), accountId: to.accountId, agentId: to.agentId, kind,
    payload: CALLS.payload(kind, payload) as Record<string, unknown>, createdAt: now, expiresAt: now + timeout,
  });
  deps.notifier.notify(to.agentId);
  const deadline = now + timeout;
  let pause = 5;
  try {
    while (Date.now() < deadline) {
      // Woken at once when the answer reaches this instance; another instance's is found by the re-read.
      await deps.notifier.wait(answered(call.id), Math.min(pause, deadline - Date.now()));
      pause = Math.min(pause * 2, 100);
      const c = await store.getAgentCall(call.id);
      if (c?.status !== 'DONE') continue;
      if (c.error) throw agentError(deps, c, c.error);
      return c.result as CallResult<K>;
    }
  } finally {
    await store.deleteAgentCall(call.id).catch(() => undefined);
  }
  throw new CbsError('AGENT_UNAVAILABLE', `the agent of this working environment did not answer within ${Math.round(timeout / 1000)} s`);
}

function agentError(deps: OperationsDeps, c: AgentCall, e: { code: string; message: string }): CbsError {
  const code = (e.code in ERROR_REGISTRY ? e.code : 'INTERNAL') as ErrorCode;
  if (ERROR_REGISTRY[code].status < 500) return new CbsError(code, e.message);
  deps.log('error', 'an agent call failed on the agent', { call: c.id, kind: c.kind, agent: c.agentId, code: e.code, error: e.message });
  return new CbsError(code, `the agent could not answer this ${c.kind} request; see the agent's log`);
}

/** Pending calls of the agent, now claimed by it; waits up to `waitMs` for some (long-poll). */
export async function claimCalls(deps: OperationsDeps, agent: AgentIdentity, waitMs: number, signal: AbortSignal): Promise<AgentCall[]> {
  const { store, options } = deps;
  // Calls are waited on by a person: poll the store faster than for tasks.
  const pollMs = Math.max(20, Math.floor(options.claimPollMs / 5));
  const got = await longPoll(deps, agent.id, { waitMs, pollMs, signal }, async () => {
    const calls = (await store.hasPendingAgentCall(agent.id)) ? await store.claimAgentCalls(agent.id, CALLS_PER_CLAIM) : [];
    return calls.length ? calls : undefined;
  });
  return got ?? [];
}

/**
 * The agent's answer to one of its calls: a result, validated against the call's kind
 * (400 naming the field; the call then fails as the agent's error), or an error with a
 * registered code. TASK_NOT_FOUND for a call that is not this agent's claimed call.
 */
export async function answerCall(
  deps: OperationsDeps, agent: AgentIdentity, callId: string, answer: { result?: unknown; error?: { code: string; message: string } },
): Promise<void> {
  const c = await deps.store.getAgentCall(callId);
  if (!c || c.agentId !== agent.id || c.accountId !== agent.accountId) throw new CbsError('TASK_NOT_FOUND', `call ${callId} not found for this agent`);
  if (answer.error) {
    await deps.store.finishAgentCall(callId, agent.id, { error: answer.error });
    deps.notifier.notify(answered(callId));
    return;
  }
  let result: unknown;
  try {
    result = CALLS.result(CALLS.kind(c.kind, 'call.kind'), answer.result);
  } catch (e) {
    await deps.store.finishAgentCall(callId, agent.id, { error: { code: 'INTERNAL', message: `the agent's answer was refused: ${(e as Error).message}` } }).catch(() => undefined);
    throw e;
  }
  await deps.store.finishAgentCall(callId, agent.id, { result });
  deps.notifier.notify(answered(callId));
}

/** The notifier key the asking request waits on. */
function answered(callId: string): string {
  return `answered:${callId}`;
}
