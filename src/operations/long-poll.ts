import type { OperationsDeps } from './deps.js';

/**
 * An agent's long-poll: tries `take` at once, then again whenever this instance
 * notifies the agent of new work and at least every `pollMs` (work created by another
 * instance), until `take` returns something, `waitMs` has passed or `signal` aborts.
 * Waiting is reads only: `take` should look (a read) before it claims (a write).
 */
export async function longPoll<T>(
  deps: OperationsDeps, agentId: string, o: { waitMs: number; pollMs: number; signal: AbortSignal }, take: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const deadline = Date.now() + Math.min(o.waitMs, deps.options.maxClaimWaitMs);
  for (;;) {
    const got = await take();
    if (got !== undefined) return got;
    const left = deadline - Date.now();
    if (left <= 0 || o.signal.aborted) return undefined;
    await deps.notifier.wait(agentId, Math.min(left, o.pollMs), o.signal);
  }
}
