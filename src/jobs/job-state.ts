import type { JobEntry, JobStatus, TaskStatus } from '../store/model.js';

/** The slices of job, entry and task that the lifecycle rules read and write. */

/** What derivation needs of a task. `attempts > 0` means it has been claimed at least once. */
export interface TaskState {
  id: string;
  kind: string;
  entryId?: string;
  status: TaskStatus;
  attempts: number;
  error: string;
}

export type EntryState = Pick<JobEntry, 'id' | 'kind' | 'name' | 'status' | 'error'>;

export interface JobState {
  status: JobStatus;
  error: string;
  startTime?: number;
  endTime?: number;
}

export interface DerivedState {
  job: JobState;
  /** Every entry, in the order given, with its derived status and error. */
  entries: EntryState[];
}
