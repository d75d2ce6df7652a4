import { CbsError } from '../errors/index.js';
import { checkLease } from '../jobs/lease.js';
import type { Job, Progress, Task } from '../store/model.js';
import type { OperationsDeps } from './deps.js';
import { longPoll } from './long-poll.js';
import { scrubPaths } from './scrub-paths.js';
import { completionOf, taskPlace } from './task-outcome.js';

/** An authenticated agent. */
export interface AgentIdentity { id: string; accountId: string }

/**
 * The oldest pending task of the agent, leased to it; waits up to `waitMs` for one
 * (long-poll). undefined when none came.
 */
export async function claimTask(deps: OperationsDeps, agent: AgentIdentity, waitMs: number, signal: AbortSignal): Promise<Task | undefined> {
  const { store, options } = deps;
  return longPoll(deps, agent.id, { waitMs, pollMs: options.claimPollMs, signal }, async () => (
    // Waiting is a read; only work that is there is claimed (a write transaction).
    (await store.hasPendingTask(agent.id)) ? store.claimTask(agent.id, { leaseMs: options.leaseMs }) : undefined
  ));
}

/** Renews the lease and records progress. 404 for a task that is not this agent's (whoever's it is), 409 LEASE_LOST for a lease not held. */
export async function heartbeatTask(deps: OperationsDeps, agent: AgentIdentity, taskId: string, leaseToken: string, progress: Progress | undefined): Promise<Task> {
  await ownTask(deps, agent, taskId);
  return deps.store.heartbeat(taskId, agent.id, leaseToken, progress, { leaseMs: deps.options.leaseMs });
}

/**
 * A task done: its result is validated against its kind (400 naming the field), and the
 * store records it with what it made (a backup, a volume) in the transaction that
 * checks the lease. A complete without the lease (409) writes nothing, whatever it carries.
 */
export async function completeTask(deps: OperationsDeps, agent: AgentIdentity, taskId: string, leaseToken: string, result: unknown): Promise<Job> {
  const task = await ownTask(deps, agent, taskId);
  requireLeaseHeld(task, agent, leaseToken);
  return deps.store.completeTask(task.id, agent.id, leaseToken, completionOf(task, result));
}

/** A task failed: the reason, with the agent machine's paths taken out, becomes the error of its entry and job. */
export async function failTask(deps: OperationsDeps, agent: AgentIdentity, taskId: string, leaseToken: string, error: string): Promise<Job> {
  const task = await ownTask(deps, agent, taskId);
  requireLeaseHeld(task, agent, leaseToken);
  const shown = await scrubTaskMessage(deps, task, error);
  if (shown !== error) deps.log('info', 'task failed; its error is stored without the agent\'s paths', { task: task.id, error });
  return deps.store.failTask(task.id, agent.id, leaseToken, shown);
}

/** The task, when it is this agent's; TASK_NOT_FOUND otherwise, the same answer as for an unknown id. */
export async function ownTask(deps: OperationsDeps, agent: AgentIdentity, taskId: string): Promise<Task> {
  const t = await deps.store.getTask(taskId);
  if (!t || t.agentId !== agent.id || t.accountId !== agent.accountId) throw new CbsError('TASK_NOT_FOUND', `task ${taskId} not found for this agent`);
  return t;
}

/**
 * A cheap check before anything is validated or written, so a report without the lease
 * is a 409 whatever its body; the store checks again in the transaction that writes.
 */
function requireLeaseHeld(task: Task, agent: AgentIdentity, leaseToken: string): void {
  const check = checkLease(task, agent.id, leaseToken, Date.now());
  if (check !== 'ok') throw new CbsError('LEASE_LOST', `task ${task.id} is not leased under this token (${check})`, { details: { taskId: task.id } });
}

async function scrubTaskMessage(deps: OperationsDeps, task: Task, message: string): Promise<string> {
  const [wes, targets] = await Promise.all([deps.store.listWorkingEnvironments(task.accountId), deps.store.listBackupTargets(task.accountId)]);
  const place = taskPlace(task);
  const we = place ? wes.find((w) => w.id === place.weId) : undefined;
  return scrubPaths(message, {
    ...(we && place?.volumeName ? { volumeDir: `${we.root.replace(/\/+$/, '')}/${place.volumeName}` } : {}),
    weRoots: wes.map((w) => w.root),
    bucketDirs: targets.filter((t) => t.location.startsWith('local:')).map((t) => t.location.slice('local:'.length)),
  });
}
