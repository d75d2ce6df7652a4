import type { Job, NewJob, NewTask } from '../store/model.js';
import { TASKS, type TaskKind, type TaskPayload } from '../tasks/index.js';
import type { OperationsDeps } from './deps.js';

/**
 * A task of kind K for a new job: the payload is typed by the task contract and checked
 * against it here too, so a producer cannot hand an agent a payload it would refuse.
 */
export function newTask<K extends TaskKind>(
  kind: K, payload: TaskPayload<K>, o: { agentId: string; maxAttempts: number; entryIndex?: number },
): NewTask {
  return {
    agentId: o.agentId, kind, payload: TASKS.payload(kind, payload) as Record<string, unknown>, maxAttempts: o.maxAttempts,
    ...(o.entryIndex === undefined ? {} : { entryIndex: o.entryIndex }),
  };
}

/** Writes the job with its entries and tasks (one transaction) and wakes the agents that will claim them. */
export async function submitJob(deps: OperationsDeps, job: NewJob): Promise<Job> {
  const created = await deps.store.createJob(job);
  wakeAgents(deps, job);
  return created;
}

/** Wakes this instance's long-polls of the job's agents; other instances find the work on their next poll. */
export function wakeAgents(deps: OperationsDeps, job: Pick<NewJob, 'tasks'>): void {
  for (const agentId of new Set(job.tasks.map((t) => t.agentId))) deps.notifier.notify(agentId);
}
