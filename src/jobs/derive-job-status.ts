import type { EntryStatus, TaskStatus } from '../store/model.js';
import type { DerivedState, EntryState, JobState, TaskState } from './job-state.js';
import { jobErrorMessage, jobWarningMessage } from './job-error-message.js';

export type { DerivedState, EntryState, JobState, TaskState } from './job-state.js';

const TERMINAL_TASK: ReadonlySet<TaskStatus> = new Set(['SUCCESS', 'FAILED']);

/**
 * The lifecycle rules (docs/ARCHITECTURE.md, "Jobs and tasks") as one pure function from the tasks' states to
 * the job's and entries' states. The store calls it in every transaction that changes
 * a task, so job, entries and tasks never disagree.
 *
 * Entry (from the tasks driving it; unchanged when none does):
 *   every task SUCCESS → SUCCESS (error: the tasks' warnings, usually ''); every task
 *   terminal, one FAILED → FAILED (task errors); any task claimed → IN_PROGRESS; else PENDING.
 * Job: every task terminal (vacuously for none) → COMPLETED if none FAILED (error: a
 *   summary of the warnings, usually '') else FAILED with a summary naming what failed
 *   (and what succeeded with a warning), endTime kept or set to now;
 *   any task claimed → IN_PROGRESS, startTime kept or set to now; else PENDING.
 * A terminal job is returned unchanged: tasks cannot move after it.
 */
export function deriveJobStatus(input: { job: JobState; entries: readonly EntryState[]; tasks: readonly TaskState[]; now: number }): DerivedState {
  const { job, tasks, now } = input;
  if (job.status === 'COMPLETED' || job.status === 'FAILED') {
    return { job: { ...job }, entries: input.entries.map((e) => ({ ...e })) };
  }
  const entries = input.entries.map((e) => deriveEntry(e, tasks.filter((t) => t.entryId === e.id)));
  const allTerminal = tasks.every((t) => TERMINAL_TASK.has(t.status));
  const claimed = tasks.some(isClaimed);
  if (allTerminal) {
    const failed = tasks.some((t) => t.status === 'FAILED');
    const next: JobState = {
      status: failed ? 'FAILED' : 'COMPLETED',
      error: failed ? jobErrorMessage(entries, tasks) : jobWarningMessage(entries, tasks),
      endTime: job.endTime ?? now,
    };
    const startTime = job.startTime ?? (claimed ? now : undefined);
    if (startTime !== undefined) next.startTime = startTime;
    return { job: next, entries };
  }
  if (claimed) return { job: { status: 'IN_PROGRESS', error: '', startTime: job.startTime ?? now }, entries };
  const pending: JobState = { status: 'PENDING', error: '' };
  if (job.startTime !== undefined) pending.startTime = job.startTime;
  return { job: pending, entries };
}

function isClaimed(t: TaskState): boolean {
  return t.attempts > 0 || t.status !== 'PENDING';
}

function deriveEntry(e: EntryState, tasks: readonly TaskState[]): EntryState {
  if (tasks.length === 0) return { ...e };
  let status: EntryStatus;
  let error = '';
  if (tasks.every((t) => TERMINAL_TASK.has(t.status))) {
    const failed = tasks.filter((t) => t.status === 'FAILED');
    status = failed.length === 0 ? 'SUCCESS' : 'FAILED';
    error = failed.length === 0
      ? tasks.map((t) => t.error.trim()).filter((w) => w !== '').join('; ')
      : failed.map((t) => t.error || 'failed').join('; ');
  } else {
    status = tasks.some(isClaimed) ? 'IN_PROGRESS' : 'PENDING';
  }
  const out: EntryState = { id: e.id, kind: e.kind, status, error };
  if (e.name !== undefined) out.name = e.name;
  return out;
}
