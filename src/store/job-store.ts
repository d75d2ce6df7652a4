import type {
  Account, Agent, Job, JobFilter, JobStatus, NewJob, Progress, RevokedToken, SkippedItems, Task, Volume, WorkingEnvironment,
} from './model.js';
import type { AgentCall, BackupRecord, BackupTarget, VolumeReport, VolumeState, WrappedSecret } from './backup-model.js';

/**
 * The job store: the one durable state of the control plane. Every operation is
 * atomic; operations that change a task also re-derive its entry and its job in the
 * same transaction, so a reader never sees a task finished under a job still running.
 *
 * Times (`now`, `time`, `leaseExpiresAt`, …) are epoch milliseconds; `now` defaults to
 * `Date.now()` and exists so tests and the lease sweeper can control the clock.
 *
 * Errors are `CbsError`s: STORE_UNAVAILABLE (database unreachable or busy beyond its
 * timeout; retryable), CONFLICT (a unique id taken), VALIDATION_FAILED (a reference to
 * something that does not exist, bad input), TASK_NOT_FOUND, LEASE_LOST, INTERNAL.
 * Messages never contain SQL; the driver error is kept as `cause`.
 */
export interface JobStore {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies the numbered migrations not yet recorded, each in its own transaction. Safe to run concurrently from several instances. */
  migrate(): Promise<void>;
  /** Throws CbsError('STORE_UNAVAILABLE') when the database cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;

  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
  /** insert-if-absent; returns the value that is stored (first writer wins, for multi-instance start-up) */
  initSetting(key: string, value: string): Promise<string>;
  /** Removes the setting; with purge, no copy of it (or of any deleted setting) is left in the database's files. */
  deleteSetting(key: string, o?: { purge?: boolean }): Promise<void>;

  /** CONFLICT when the id is taken. */
  createAccount(a: { id: string; name: string }, now?: number): Promise<Account>;
  getAccount(id: string): Promise<Account | undefined>;
  listAccounts(): Promise<Account[]>;
  /** CONFLICT when the id is taken; VALIDATION_FAILED when the account does not exist. */
  createAgent(a: { id: string; accountId: string; name: string; credentialHash: string }, now?: number): Promise<Agent>;
  getAgent(id: string): Promise<Agent | undefined>;
  /** Records that the agent was seen (lastSeenAt = now). */
  touchAgent(id: string, now?: number): Promise<void>;

  /** Creates or updates (name, svm, driver, root, agent) a WE; createdAt is kept. CONFLICT when the id belongs to another account. */
  upsertWorkingEnvironment(we: Omit<WorkingEnvironment, 'createdAt'>, now?: number): Promise<WorkingEnvironment>;
  getWorkingEnvironment(accountId: string, id: string): Promise<WorkingEnvironment | undefined>;
  listWorkingEnvironments(accountId: string): Promise<WorkingEnvironment[]>;
  /** Returns the volume with this name in the WE, creating it (new UUID id) if absent: ids are stable. */
  upsertVolume(v: { workingEnvironmentId: string; name: string }, now?: number): Promise<Volume>;
  /** Ordered by name. */
  listVolumes(workingEnvironmentId: string): Promise<Volume[]>;

  /**
   * Job + entries + tasks in ONE transaction. The job starts PENDING (COMPLETED at once
   * when it has no task). Volume entries without a name take the volume's name from the store.
   * VALIDATION_FAILED for an entryIndex out of range or duplicate entry ids.
   */
  createJob(j: NewJob, now?: number): Promise<Job>;
  /** undefined for unknown ids and for other accounts' jobs. */
  getJob(accountId: string, jobId: string): Promise<Job | undefined>;
  /** Newest first: time desc, id desc; keyset via f.before (strictly older than it). */
  listJobs(accountId: string, f: JobFilter): Promise<Job[]>;
  /** Over all accounts; every status present (0 when none). */
  countJobsByStatus(): Promise<Record<JobStatus, number>>;

  getTask(taskId: string): Promise<Task | undefined>;
  /**
   * Leases the oldest PENDING task assigned to this agent (LEASED, new leaseToken,
   * leaseExpiresAt = now + leaseMs, attempts + 1); undefined when there is none.
   * The first claim of a job's task moves the job (and the task's entry) to IN_PROGRESS.
   * Concurrent claimers never receive the same task.
   */
  claimTask(agentId: string, o: { leaseMs: number; now?: number }): Promise<Task | undefined>;
  /**
   * Extends the lease to now + leaseMs and stores progress (when given).
   * TASK_NOT_FOUND for an unknown task; LEASE_LOST when the task is not LEASED, is
   * leased to another agent or token, or its lease has expired.
   */
  heartbeat(taskId: string, agentId: string, leaseToken: string, progress: Progress | undefined, o: { leaseMs: number; now?: number }): Promise<Task>;
  /**
   * Task → SUCCESS with its result, its entry → SUCCESS, job re-derived (COMPLETED /
   * FAILED once every task is terminal), and what the task made applied (TaskCompletion)
   * — one transaction, after the lease check: with a lease not held (LEASE_LOST) nothing
   * is written. Same errors as heartbeat.
   */
  completeTask(taskId: string, agentId: string, leaseToken: string, completion: TaskCompletion, now?: number): Promise<Job>;
  /** Task → FAILED with `error`, its entry → FAILED, job re-derived. Same errors as heartbeat. */
  failTask(taskId: string, agentId: string, leaseToken: string, error: string, now?: number): Promise<Job>;
  /**
   * Every LEASED task whose lease expired before `now` goes back to PENDING when
   * attempts < maxAttempts, else FAILED ("agent lease expired after N attempts …").
   * A PENDING task of a running job (given back that way, or not yet claimed) fails
   * too once it has waited DEFAULTS.agentGoneMs while its agent held no live lease
   * and was not seen (touchAgent) — the agent is gone — so a job never stays
   * IN_PROGRESS forever. Jobs re-derived in the same transactions. Returns the number
   * of tasks changed.
   *
   * Whichever way a job ends (completeTask, failTask, expireLeases), the backup target it
   * activates leaves ACTIVATING in that transaction: ON when the job COMPLETED, FAILED when
   * it FAILED.
   */
  expireLeases(now?: number): Promise<number>;

  // ---- backup targets, backups, volume states, agent calls (migration 0002) -------

  /** Replaces the agent's credential hash. */
  setAgentCredential(agentId: string, credentialHash: string): Promise<void>;
  /**
   * Stores the WE's backup target together with its activation job, in one transaction.
   * CONFLICT when the WE already has a target that is not FAILED (a FAILED one is replaced).
   */
  activateBackup(target: BackupTarget, job: NewJob, now?: number): Promise<Job>;
  getBackupTarget(accountId: string, weId: string): Promise<BackupTarget | undefined>;
  listBackupTargets(accountId: string): Promise<BackupTarget[]>;
  /** Idempotent on (WE, id). Backups made by tasks are recorded by completeTask; this is for imports and tests. */
  recordBackup(b: BackupRecord): Promise<void>;
  /** Oldest first. */
  listBackups(accountId: string, weId: string, volumeId: string): Promise<BackupRecord[]>;
  getBackup(accountId: string, weId: string, id: string): Promise<BackupRecord | undefined>;
  /** An agent's discovery: reported volumes upserted and online, the others missing. Returns every known volume. */
  reportVolumes(weId: string, reports: VolumeReport[], now?: number): Promise<Volume[]>;
  listVolumeStates(weId: string): Promise<VolumeState[]>;
  createAgentCall(c: Omit<AgentCall, 'status'>): Promise<AgentCall>;
  /** Up to `max` PENDING unexpired calls of the agent, now CLAIMED. */
  claimAgentCalls(agentId: string, max: number, now?: number): Promise<AgentCall[]>;
  /** TASK_NOT_FOUND when the call is not CLAIMED by this agent (expired, unknown). */
  finishAgentCall(id: string, agentId: string, outcome: { result: unknown } | { error: { code: string; message: string } }): Promise<void>;
  getAgentCall(id: string): Promise<AgentCall | undefined>;
  /** Read-only: whether the agent has a PENDING task (a long-poll checks this before claiming). */
  hasPendingTask(agentId: string): Promise<boolean>;
  /** Read-only: whether the agent has a PENDING call (expired ones included, so the claim removes them). */
  hasPendingAgentCall(agentId: string, now?: number): Promise<boolean>;
  deleteAgentCall(id: string): Promise<void>;

  // ---- secrets (migration 0004) ---------------------------------------------------

  /** Records a token revocation (idempotent; the later expiry wins) and drops entries already expired. */
  revokeToken(r: RevokedToken): Promise<void>;
  /** Revocations still in force at `now`, oldest first. */
  listRevokedTokens(now?: number): Promise<RevokedToken[]>;
  /** Every value wrapped by the key-encryption key (backup targets' repository keys and credentials). */
  listWrappedSecrets(): Promise<WrappedSecret[]>;
  /** In one transaction: every wrapped value replaced by rewrap(value), and `settings` written. Returns how many values were re-wrapped. */
  rewrapSecrets(rewrap: (wrapped: string) => string, settings: Record<string, string>): Promise<number>;
}

/**
 * What a successful task changes beside its own row, applied by completeTask in the
 * transaction that finishes the task, after the lease check. Built from the task's kind
 * and validated result by the operations layer (operations/task-outcome.ts).
 */
export interface TaskCompletion {
  /** The task's result, kept with it. */
  result: Record<string, unknown>;
  /** What the task could not do though it succeeded: the error of its entry and of its job, which still succeed. */
  warning?: string;
  /** The snapshot the task wrote, named on its volume entry. @default backup.id */
  snapshotId?: string;
  /** A backup to record among the volume's backups (idempotent on WE + id); account and job are the task's. */
  backup?: Omit<BackupRecord, 'accountId' | 'jobId'>;
  /** Items the backup could not read, kept on the task's volume entry. */
  skipped?: SkippedItems;
  /** A volume the task created, upserted by name in its WE so it has its stable id from now on. */
  volume?: { workingEnvironmentId: string; name: string };
}
