import type { WireTask } from '../../api/index.js';
import type { TaskKind, TaskPayload, TaskResult, TaskRunnerTable } from '../../tasks/index.js';
import type { AgentEngine, EngineProgress, RepositoryRef } from '../engine.js';
import type { LocalFsDriver } from '../local-fs-driver.js';
import type { ProtocolClient } from '../protocol-client.js';

/** What a task runner gets beside its payload: the task, the engine, the agent's WEs, a stop signal and a progress sink. */
export interface TaskContext {
  task: WireTask;
  engine: AgentEngine;
  client: ProtocolClient;
  /** The agent's WEs by id. */
  drivers: ReadonlyMap<string, { name: string; driver: LocalFsDriver }>;
  signal: AbortSignal;
  progress(p: EngineProgress): void;
}

/**
 * A runner gets its kind's payload (validated against the task contract when the task
 * was claimed) and returns its kind's result, or throws: the message becomes the task's
 * (and its entry's) error.
 */
export type TaskRunner<K extends TaskKind> = (ctx: TaskContext, payload: TaskPayload<K>) => Promise<TaskResult<K>>;
/** One runner per task kind: a kind without a runner, or a runner of the wrong shape, does not compile. */
export type TaskRunners = TaskRunnerTable<TaskContext>;

/** A task that cannot succeed however often it is retried (bad payload, volume gone). */
export class TaskError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'TaskError';
  }
}

export function driverOf(ctx: TaskContext, weId: string): { name: string; driver: LocalFsDriver } {
  const d = ctx.drivers.get(weId);
  if (!d) throw new TaskError(`working environment ${weId} is not served by this agent`);
  return d;
}

/** Fetches the repository location and key of a WE (for another agent's WE: through this task's lease). */
export async function repositoryOf(ctx: TaskContext, weId: string): Promise<RepositoryRef> {
  const r = await ctx.client.repository(weId, ctx.task.id);
  return {
    location: r.location, key: Buffer.from(r.key, 'base64'), options: r.options,
    ...(r.credentials ? { credentials: r.credentials } : {}),
  };
}
