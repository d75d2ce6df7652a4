import { randomUUID } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { CbsError, ERROR_REGISTRY, type ErrorCode } from '../../errors/index.js';
import type { ProtectionContext } from './context.js';

/**
 * Puts a short request to an agent through the store and waits for its answer. The
 * store is the rendezvous, so any control-plane instance can ask and any can receive
 * the answer; the agent long-polls /agent/v1/calls/claim. Used for live browse of a
 * volume and browse of a backup: the control plane never reads volume data or opens
 * a repository itself.
 */
export async function callAgent(
  ctx: ProtectionContext, to: { accountId: string; agentId: string }, kind: string, payload: Record<string, unknown>,
): Promise<unknown> {
  const now = Date.now();
  const timeout = ctx.options.agentCallTimeoutMs;
  const call = await ctx.store.createAgentCall({
    id: randomUUID(), accountId: to.accountId, agentId: to.agentId, kind, payload, createdAt: now, expiresAt: now + timeout,
  });
  ctx.notifier.notify(to.agentId);
  const deadline = now + timeout;
  let pause = 5;
  try {
    while (Date.now() < deadline) {
      await delay(pause);
      pause = Math.min(pause * 2, 100);
      const c = await ctx.store.getAgentCall(call.id);
      if (c?.status !== 'DONE') continue;
      if (c.error) {
        const code = (c.error.code in ERROR_REGISTRY ? c.error.code : 'INTERNAL') as ErrorCode;
        throw new CbsError(code, c.error.message);
      }
      return c.result;
    }
  } finally {
    await ctx.store.deleteAgentCall(call.id).catch(() => undefined);
  }
  // No dedicated code yet for "agent unreachable": the backup or volume cannot be reached.
  throw new CbsError('AGENT_UNAVAILABLE', `the agent of this working environment did not answer within ${Math.round(timeout / 1000)} s`);
}
