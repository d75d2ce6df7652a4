/**
 * The job store's data model, shared by the store implementation and its callers
 * (jobs/, api/, agent protocol). Names are camelCase here; api/ renders the
 * documented kebab-case JSON.
 *
 * Status vocabularies (ordered lists, never compared as text):
 *   job    PENDING → IN_PROGRESS → COMPLETED | FAILED
 *   entry  PENDING → IN_PROGRESS → SUCCESS | FAILED   (volume entries, restore batches)
 *   task   PENDING → LEASED → SUCCESS | FAILED        (LEASED → PENDING again when a lease expires and attempts remain)
 */
export const JOB_STATUSES = ['PENDING', 'IN_PROGRESS', 'COMPLETED', 'FAILED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const ENTRY_STATUSES = ['PENDING', 'IN_PROGRESS', 'SUCCESS', 'FAILED'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];
export const TASK_STATUSES = ['PENDING', 'LEASED', 'SUCCESS', 'FAILED'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export const JOB_TYPES = [
  'backup-working-environment', 'backup-volume', 'multi-volume-backup', 'restore-volume',
  'restore-file', 'restore-folder', 'delete-backup', 'retention', 'check',
] as const;
export type JobType = (typeof JOB_TYPES)[number];

export interface Progress {
  bytesDone: number;
  bytesTotal: number;
  filesDone: number;
  filesTotal: number;
}

export interface RestoreSource {
  workingEnvironmentId?: string;
  workingEnvironmentName?: string;
  bucket?: string;
  volumeId?: string;
  volumeName?: string;
  snapshot?: string;
}
export interface RestoreTarget {
  workingEnvironmentId?: string;
  workingEnvironmentName?: string;
  svm?: string;
  volumeName?: string;
  volumeSize?: number;
  path?: string;
}
export interface RestoreFile {
  inode: number;
  path: string;
  type: string;
  size: number;
  mtime: number; // epoch ms
}

/** A sub-operation shown inside a job: a volume of a multi-volume backup or a batch of a file restore. */
export interface JobEntry {
  id: string;              // volume entries: the volume file-system-id; batches: a generated id
  kind: 'volume' | 'batch';
  position: number;        // order within the job
  status: EntryStatus;
  error: string;           // '' unless FAILED
  time: number;            // epoch ms: creation time of the entry
  snapshotId?: string;     // volume entries: the backup made, once SUCCESS
  name?: string;           // volume entries: the volume name, named in the job's error summary
  files?: RestoreFile[];   // batches: the files of the batch
  skipped?: SkippedItems;  // volume entries: items the backup could not read
}

/** Items a backup could not read: how many, and the first few paths (volume-relative, escaped form). */
export interface SkippedItems {
  count: number;
  paths: string[];
}

export interface Job {
  id: string;                     // UUID
  accountId: string;
  workingEnvironmentId: string;
  type: JobType;
  status: JobStatus;
  error: string;                  // '' unless FAILED
  time: number;                   // creation, epoch ms
  startTime?: number;             // first claim
  endTime?: number;               // terminal
  progress?: Progress;            // sum over tasks
  restore?: { type: 'volume' | 'file' | 'folder'; source: RestoreSource; target: RestoreTarget };
  entries: JobEntry[];            // ordered by position
}

/** What a caller supplies to create a job: the job, its entries and one task per unit of work. */
export interface NewJob {
  id?: string;
  accountId: string;
  workingEnvironmentId: string;
  type: JobType;
  restore?: Job['restore'];
  entries?: Array<Pick<JobEntry, 'id' | 'kind'> & { files?: RestoreFile[]; name?: string }>;
  tasks: NewTask[];
}

export interface NewTask {
  /** The agent that may claim it (the agent owning the working environment). */
  agentId: string;
  kind: string;                   // a task kind of the task contract (src/tasks); the store does not look inside
  payload: Record<string, unknown>;
  /** Index into NewJob.entries this task drives, if any. */
  entryIndex?: number;
  /** How many claims are allowed before an expired lease fails the task. @default 2 */
  maxAttempts?: number;
}

export interface Task {
  id: string;
  jobId: string;
  accountId: string;
  agentId: string;
  entryId?: string;
  kind: string;
  payload: Record<string, unknown>;
  status: TaskStatus;
  attempts: number;
  maxAttempts: number;
  leaseToken?: string;
  leaseExpiresAt?: number;       // epoch ms
  progress?: Progress;
  result?: Record<string, unknown>;
  error: string;                 // FAILED: why; SUCCESS: what it could not do (a warning), or ''
}

export interface JobFilter {
  type?: string;
  status?: JobStatus;
  workingEnvironmentId?: string;
  /** @default 100 */
  limit: number;
  /** Keyset position: return jobs strictly older than this (time desc, id desc). */
  before?: { time: number; id: string };
}

export interface Account { id: string; name: string; createdAt: number }
export interface Agent { id: string; accountId: string; name: string; credentialHash: string; createdAt: number; lastSeenAt?: number }
export interface WorkingEnvironment { id: string; accountId: string; agentId: string; name: string; svm: string; driver: string; root: string; createdAt: number }
export interface Volume { id: string; workingEnvironmentId: string; name: string; createdAt: number }
/** A revoked bearer token (migration 0004): refused until expiresAt, after which it would be refused as expired anyway. Times epoch ms. */
export interface RevokedToken { id: string; revokedAt: number; expiresAt: number }
