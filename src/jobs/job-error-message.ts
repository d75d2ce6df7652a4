import type { JobEntry } from '../store/model.js';
import type { EntryState, TaskState } from './job-state.js';

/** Longest reason quoted per failed unit, and most units listed, so an error stays readable. */
export const MAX_REASON_CHARS = 300;
export const MAX_LISTED_FAILURES = 10;

/**
 * The `error` of a FAILED job: how many of its units failed and which, e.g.
 * "1 of 3 volumes failed: vol-b (9f0c…): disk full" or "2 of 4 batches failed: batch b1: …; batch b3: …".
 * Units are the entries driven by tasks, plus tasks that drive no entry. A job of one
 * task and no entry gets that task's error as is.
 */
export function jobErrorMessage(entries: readonly EntryState[], tasks: readonly TaskState[]): string {
  const driven = new Set(tasks.map((t) => t.entryId).filter((id): id is string => id !== undefined));
  const unitEntries = entries.filter((e) => driven.has(e.id));
  const looseTasks = tasks.filter((t) => t.entryId === undefined || !unitEntries.some((e) => e.id === t.entryId));
  if (unitEntries.length === 0 && looseTasks.length === 1) return reason(looseTasks[0]!.error);

  const failures = [
    ...unitEntries.filter((e) => e.status === 'FAILED').map((e) => `${describeEntry(e)}: ${reason(e.error)}`),
    ...looseTasks.filter((t) => t.status === 'FAILED').map((t) => `task ${t.kind} ${t.id}: ${reason(t.error)}`),
  ];
  const total = unitEntries.length + looseTasks.length;
  const listed = failures.slice(0, MAX_LISTED_FAILURES).join('; ');
  const more = failures.length > MAX_LISTED_FAILURES ? `; and ${failures.length - MAX_LISTED_FAILURES} more` : '';
  return `${failures.length} of ${total} ${unitWord(unitEntries, looseTasks.length, total)} failed: ${listed}${more}`;
}

function describeEntry(e: EntryState): string {
  switch (e.kind) {
    case 'volume': return e.name ? `${e.name} (${e.id})` : `volume ${e.id}`;
    case 'batch': return `batch ${e.id}`;
    default: {
      const never: never = e.kind;
      return String(never);
    }
  }
}

function unitWord(entries: readonly EntryState[], looseTasks: number, total: number): string {
  const kinds = new Set<JobEntry['kind'] | 'task'>(entries.map((e) => e.kind));
  if (looseTasks > 0) kinds.add('task');
  const kind = kinds.size === 1 ? [...kinds][0]! : 'part';
  const word = kind === 'batch' ? 'batch' : kind;
  if (total === 1) return word;
  return word === 'batch' ? 'batches' : `${word}s`;
}

function reason(error: string): string {
  const r = error.trim() === '' ? 'failed' : error.trim();
  return r.length > MAX_REASON_CHARS ? `${r.slice(0, MAX_REASON_CHARS - 1)}…` : r;
}
