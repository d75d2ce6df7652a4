import { skippedItemsMessage } from '../jobs/job-error-message.js';
import type { TaskCompletion } from '../store/job-store.js';
import type { Task } from '../store/model.js';
import { TASKS, type TaskKind, type TaskPayload, type TaskResult } from '../tasks/index.js';

/**
 * What a successful task of each kind changes beside its own row: the store applies it
 * in the transaction that finishes the task (TaskCompletion). The switch is exhaustive:
 * a new task kind does not compile until it says what its success means.
 */
export function completionOf(task: Task, rawResult: unknown): TaskCompletion {
  const kind = TASKS.kind(task.kind, 'task.kind');
  const payload = TASKS.payload(kind, task.payload, 'task.payload');
  const result = TASKS.result(kind, rawResult);
  return completionFor({ kind, payload, result } as KindedOutcome);
}

type KindedOutcome = { [K in TaskKind]: { kind: K; payload: TaskPayload<K>; result: TaskResult<K> } }[TaskKind];

function completionFor(o: KindedOutcome): TaskCompletion {
  const result = o.result as Record<string, unknown>;
  switch (o.kind) {
    case 'init-repository':
      // The backup target follows its activation job (the store settles it when the job ends).
      return { result };
    case 'backup-volume': {
      const { payload: p, result: r } = o;
      return {
        result,
        backup: { id: r.snapshotId, workingEnvironmentId: p.weId, volumeId: p.volumeId, name: p.backupName, creationTime: r.creationTime, size: r.size },
        ...(r.skipped && r.skipped.count > 0 ? { skipped: r.skipped, warning: skippedItemsMessage(r.skipped) } : {}),
      };
    }
    case 'restore-volume':
      return { result, volume: { workingEnvironmentId: o.payload.targetWeId, name: o.payload.targetVolumeName }, ...restoreSkipped(o.result) };
    case 'restore-folder':
    case 'restore-files':
      return { result, ...restoreSkipped(o.result) };
    default: {
      const never: never = o;
      return never;
    }
  }
}

/** Special files a restore could not re-create: named in the entry like a backup's unreadable items. */
function restoreSkipped(r: TaskResult<'restore-volume' | 'restore-folder' | 'restore-files'>): Partial<TaskCompletion> {
  return r.skipped && r.skipped.count > 0
    ? { skipped: r.skipped, warning: skippedItemsMessage(r.skipped, 'could not be re-created (sockets; device nodes unless the agent runs as root)') }
    : {};
}

/** The WE a task works in, and the volume (by name) when it works in one: where its errors' paths point. */
export function taskPlace(task: Task): { weId: string; volumeName?: string } | undefined {
  if (!TASKS.has(task.kind)) return undefined;
  const p = task.payload;
  const str = (k: string): string | undefined => (typeof p[k] === 'string' ? p[k] as string : undefined);
  const kind: TaskKind = task.kind;
  switch (kind) {
    case 'init-repository':
      return place(str('weId'));
    case 'backup-volume':
      return place(str('weId'), str('volumeName'));
    case 'restore-volume':
    case 'restore-folder':
    case 'restore-files':
      return place(str('targetWeId'), str('targetVolumeName'));
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function place(weId: string | undefined, volumeName?: string): { weId: string; volumeName?: string } | undefined {
  if (weId === undefined) return undefined;
  return volumeName === undefined ? { weId } : { weId, volumeName };
}
