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
  const { unitEntries, looseTasks } = unitsOf(entries, tasks);
  if (unitEntries.length === 0 && looseTasks.length === 1) return reason(looseTasks[0]!.error);
  const failures = describeUnits(unitEntries, looseTasks, 'FAILED');
  const total = unitEntries.length + looseTasks.length;
  const warnings = describeUnits(unitEntries, looseTasks, 'SUCCESS');
  return `${failures.length} of ${total} ${unitWord(unitEntries, looseTasks.length, total)} failed: ${listed(failures)}`
    + (warnings.length ? `. Completed with warnings: ${listed(warnings)}` : '');
}

/**
 * The `error` of a COMPLETED job: '' unless a unit succeeded with a warning (a backup
 * that could not read some items). One unit: its warning as is ("3 items could not be
 * read: /a, /b, /c"); several: "2 of 3 volumes completed with warnings: vol-a (9f0c…): …".
 */
export function jobWarningMessage(entries: readonly EntryState[], tasks: readonly TaskState[]): string {
  const { unitEntries, looseTasks } = unitsOf(entries, tasks);
  const warned = describeUnits(unitEntries, looseTasks, 'SUCCESS');
  if (warned.length === 0) return '';
  const total = unitEntries.length + looseTasks.length;
  if (total === 1) {
    const only = unitEntries[0]?.error ?? looseTasks[0]!.error;
    return reason(only);
  }
  return `${warned.length} of ${total} ${unitWord(unitEntries, looseTasks.length, total)} completed with warnings: ${listed(warned)}`;
}

/** Units are the entries driven by tasks, plus tasks that drive no entry. */
function unitsOf(entries: readonly EntryState[], tasks: readonly TaskState[]): { unitEntries: EntryState[]; looseTasks: TaskState[] } {
  const driven = new Set(tasks.map((t) => t.entryId).filter((id): id is string => id !== undefined));
  const unitEntries = entries.filter((e) => driven.has(e.id));
  const looseTasks = tasks.filter((t) => t.entryId === undefined || !unitEntries.some((e) => e.id === t.entryId));
  return { unitEntries, looseTasks };
}

/** "<unit>: <reason>" for each unit in `status` with a reason (FAILED: always; SUCCESS: a warning). */
function describeUnits(unitEntries: readonly EntryState[], looseTasks: readonly TaskState[], status: 'FAILED' | 'SUCCESS'): string[] {
  const has = (error: string): boolean => status === 'FAILED' || error.trim() !== '';
  return [
    ...unitEntries.filter((e) => e.status === status && has(e.error)).map((e) => `${describeEntry(e)}: ${reason(e.error)}`),
    ...looseTasks.filter((t) => t.status === status && has(t.error)).map((t) => `task ${t.kind} ${t.id}: ${reason(t.error)}`),
  ];
}

function listed(items: readonly string[]): string {
  const more = items.length > MAX_LISTED_FAILURES ? `; and ${items.length - MAX_LISTED_FAILURES} more` : '';
  return items.slice(0, MAX_LISTED_FAILURES).join('; ') + more;
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

/** Paths listed in a skip warning. */
export const MAX_SKIPPED_PATHS_LISTED = 10;

/**
 * The warning of a backup that could not read some items: "3 items could not be read:
 * /a, /b, /c" ("…" when more than the listed paths were skipped). Paths are relative to
 * the volume, in the escaped form the engine reports.
 */
export function skippedItemsMessage(skipped: { count: number; paths: readonly string[] }, what = 'could not be read'): string {
  const listed = skipped.paths.slice(0, MAX_SKIPPED_PATHS_LISTED);
  const more = skipped.count > listed.length ? (listed.length ? ', …' : '') : '';
  return `${skipped.count} ${skipped.count === 1 ? 'item' : 'items'} ${what}${listed.length ? `: ${listed.join(', ')}` : ''}${more}`;
}
