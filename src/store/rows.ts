import type { Selectable } from 'kysely';
import type {
  Account, Agent, EntryStatus, Job, JobEntry, JobStatus, JobType, Progress, RestoreFile, SkippedItems, Task, TaskStatus, Volume, WorkingEnvironment,
} from './model.js';
import { decodeJson } from './json-codec.js';
import type { AccountRow, AgentRow, JobEntryRow, JobRow, TaskRow, VolumeRow, WorkingEnvironmentRow } from './schema.js';

/** Row → model mappers: the only place that knows both the column names and the model's field names. */

export function toAccount(r: Selectable<AccountRow>): Account {
  return { id: r.id, name: r.name, createdAt: r.created_at };
}

export function toAgent(r: Selectable<AgentRow>): Agent {
  const a: Agent = { id: r.id, accountId: r.account_id, name: r.name, credentialHash: r.credential_hash, createdAt: r.created_at };
  if (r.last_seen_at !== null) a.lastSeenAt = r.last_seen_at;
  return a;
}

export function toWorkingEnvironment(r: Selectable<WorkingEnvironmentRow>): WorkingEnvironment {
  return {
    id: r.id, accountId: r.account_id, agentId: r.agent_id, name: r.name, svm: r.svm,
    driver: r.driver, root: r.root, createdAt: r.created_at,
  };
}

export function toVolume(r: Selectable<VolumeRow>): Volume {
  return { id: r.id, workingEnvironmentId: r.working_environment_id, name: r.name, createdAt: r.created_at };
}

export function toEntry(r: Selectable<JobEntryRow>): JobEntry {
  const e: JobEntry = {
    id: r.id, kind: r.kind as JobEntry['kind'], position: r.position, status: r.status as EntryStatus,
    error: r.error, time: r.time,
  };
  if (r.name !== null) e.name = r.name;
  if (r.snapshot_id !== null) e.snapshotId = r.snapshot_id;
  const files = decodeJson<RestoreFile[]>(r.files, 'job_entries.files');
  if (files !== undefined) e.files = files;
  const skipped = decodeJson<SkippedItems>(r.skipped, 'job_entries.skipped');
  if (skipped !== undefined) e.skipped = skipped;
  return e;
}

export function toJob(r: Selectable<JobRow>, entries: JobEntry[], progress: Progress | undefined): Job {
  const j: Job = {
    id: r.id, accountId: r.account_id, workingEnvironmentId: r.working_environment_id,
    type: r.type as JobType, status: r.status as JobStatus, error: r.error, time: r.time, entries,
  };
  if (r.start_time !== null) j.startTime = r.start_time;
  if (r.end_time !== null) j.endTime = r.end_time;
  if (progress !== undefined) j.progress = progress;
  const restore = decodeJson<NonNullable<Job['restore']>>(r.restore, 'jobs.restore');
  if (restore !== undefined) j.restore = restore;
  return j;
}

export function toTask(r: Selectable<TaskRow>): Task {
  const t: Task = {
    id: r.id, jobId: r.job_id, accountId: r.account_id, agentId: r.agent_id, kind: r.kind,
    payload: decodeJson<Record<string, unknown>>(r.payload, 'tasks.payload') ?? {},
    status: r.status as TaskStatus, attempts: r.attempts, maxAttempts: r.max_attempts, error: r.error,
  };
  if (r.entry_id !== null) t.entryId = r.entry_id;
  if (r.lease_token !== null) t.leaseToken = r.lease_token;
  if (r.lease_expires_at !== null) t.leaseExpiresAt = r.lease_expires_at;
  const progress = decodeJson<Progress>(r.progress, 'tasks.progress');
  if (progress !== undefined) t.progress = progress;
  const result = decodeJson<Record<string, unknown>>(r.result, 'tasks.result');
  if (result !== undefined) t.result = result;
  return t;
}
