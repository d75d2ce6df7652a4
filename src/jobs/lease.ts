import { randomBytes } from 'node:crypto';

/**
 * Leases: an agent holds a claimed task for `leaseMs` and must heartbeat before it
 * runs out; a task whose lease ran out is given back (or failed) by expireLeases.
 * Their lengths are settings (config/defaults.ts: leaseMs, leaseSweepIntervalMs,
 * maxAttempts, agentGoneMs).
 */

/** An unguessable token naming one lease: a late heartbeat of an earlier lease cannot renew a later one. */
export function newLeaseToken(): string {
  return randomBytes(18).toString('base64url');
}

export type LeaseCheck = 'ok' | 'not-leased' | 'other-agent' | 'other-token' | 'expired';

/** Whether `agentId` presenting `leaseToken` still holds the task's lease at `now`. */
export function checkLease(
  task: { status: string; agentId: string; leaseToken?: string; leaseExpiresAt?: number },
  agentId: string, leaseToken: string, now: number,
): LeaseCheck {
  if (task.status !== 'LEASED') return 'not-leased';
  if (task.agentId !== agentId) return 'other-agent';
  if (task.leaseToken !== leaseToken) return 'other-token';
  if (task.leaseExpiresAt === undefined || task.leaseExpiresAt < now) return 'expired';
  return 'ok';
}

/** What happens to a task whose lease expired: retried while attempts remain, else failed naming the agent. */
export function leaseExpiryOutcome(task: { attempts: number; maxAttempts: number; agentId: string }):
  { status: 'PENDING' } | { status: 'FAILED'; error: string } {
  if (task.attempts < task.maxAttempts) return { status: 'PENDING' };
  return {
    status: 'FAILED',
    error: `agent lease expired after ${task.attempts} attempts (agent ${task.agentId} stopped heartbeating)`,
  };
}

/** The error of a task of a running job whose agent never came (back) to claim it. */
export function strandedTaskError(task: { attempts: number; agentId: string }, timeoutMs: number): string {
  const secs = Math.round(timeoutMs / 1000);
  if (task.attempts === 0) {
    return `the task was not claimed within ${secs} s while its job ran (agent ${task.agentId} stopped heartbeating)`;
  }
  const tries = task.attempts === 1 ? '1 attempt' : `${task.attempts} attempts`;
  return `agent lease expired after ${tries} and the task was not claimed again within ${secs} s `
    + `(agent ${task.agentId} stopped heartbeating)`;
}
