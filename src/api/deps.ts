import type { Job, JobFilter, JobStatus } from '../store/model.js';
import type { JobStore } from '../store/job-store.js';
import type { TokenVerifier } from '../auth/index.js';

/**
 * What the HTTP layer needs from the rest of the system. main/ supplies the concrete
 * implementations; tests may supply their own.
 */
export interface ApiStore {
  /** Throws CbsError STORE_UNAVAILABLE when the store cannot be reached. */
  ping(): Promise<void>;
  getAgent(id: string): Promise<{ id: string; accountId: string } | undefined>;
  getJob(accountId: string, jobId: string): Promise<Job | undefined>;
  listJobs(accountId: string, filter: JobFilter): Promise<Job[]>;
  countJobsByStatus(): Promise<Record<JobStatus, number>>;
}

/**
 * What the agent protocol and the WE / backup / restore / browse routes need: the
 * directory (agents, WEs, volumes), jobs and tasks, and the protection tables.
 */
export type ProtectionStore = Pick<JobStore,
  | 'getAccount' | 'getAgent' | 'createAgent' | 'touchAgent'
  | 'upsertWorkingEnvironment' | 'getWorkingEnvironment' | 'listWorkingEnvironments' | 'upsertVolume' | 'listVolumes'
  | 'createJob' | 'getJob' | 'listJobs' | 'getTask' | 'claimTask' | 'heartbeat' | 'completeTask' | 'failTask'
  | 'activateBackup' | 'getBackupTarget' | 'listBackupTargets' | 'setBackupTargetStatus'
  | 'recordBackup' | 'listBackups' | 'getBackup' | 'reportVolumes' | 'listVolumeStates'
  | 'createAgentCall' | 'claimAgentCalls' | 'finishAgentCall' | 'getAgentCall' | 'deleteAgentCall'
  | 'hasPendingTask' | 'hasPendingAgentCall'>;

/** What GET /auth/v1/session reads: the token's accounts and the agents owning their working environments. */
export type SessionStore = Pick<JobStore, 'getAccount' | 'listAccounts' | 'listWorkingEnvironments'>;

/** Token revocations (migration 0004): the /auth/v1 routes and the revocation check of every request. */
export type TokenStore = Pick<JobStore, 'revokeToken' | 'listRevokedTokens'>;

/**
 * Wraps secrets stored in the job store (repository keys, provider credentials) with
 * the control plane's key-encryption key. Only the agent protocol unwraps, to hand a
 * repository key to the agent that owns the working environment.
 */
export interface KeyVault {
  wrap(plain: Buffer): string;
  /** Throws when the wrapped value was not made by this vault's key. */
  unwrap(wrapped: string): Buffer;
}

/** Settings of the agent protocol and of the routes that create tasks. */
export interface ProtectionOptions {
  /** Lease given to a claimed task; renewed by heartbeat. @default 30000 */
  leaseMs: number;
  /** Longest long-poll a claim may ask for. @default 30000 */
  maxClaimWaitMs: number;
  /** How often a waiting claim re-reads the store for work created by another instance. @default 250 */
  claimPollMs: number;
  /** How long a browse waits for the agent's answer before 503. @default 15000 */
  agentCallTimeoutMs: number;
  /** Root of LOCAL buckets when the activation names no path (`$CBS_HOME/buckets`). */
  bucketsRoot: string;
  /** Claims allowed per task before an expired lease fails it. @default 2 */
  maxAttempts: number;
}

export interface ApiDeps {
  /** With revokeToken / listRevokedTokens, revoked tokens are refused and /auth/v1 is served. */
  store: ApiStore & Partial<ProtectionStore> & Partial<TokenStore> & Partial<SessionStore>;
  tokens: TokenVerifier;
  /** Longest token lifetime, seconds: how long a revocation is kept. @default DEFAULT_TOKEN_MAX_TTL (90 days) */
  tokenMaxTtlSeconds?: number;
  /** Required for the agent protocol and protection routes; without it they are not registered. */
  keys?: KeyVault;
  protection?: Partial<ProtectionOptions>;
  /** Largest accepted request body, bytes. @default 1048576 */
  bodyLimit?: number;
  /** pino logger options, or false for none. @default false */
  logger?: boolean | Record<string, unknown>;
  /** Prefix for Prometheus metric names; a fresh registry is used per app. @default 'cbs_' */
  metricsPrefix?: string;
  /** Directory of the built web console (index.html, assets/); served at /ui when given and built. */
  webRoot?: string;
}
