import type { Job, JobFilter, JobStatus } from '../store/model.js';
import type { TokenVerifier } from '../auth/index.js';
import type { JobStore } from '../store/job-store.js';
import type { KeyVault, OperationsOptions, OperationsStore } from '../operations/index.js';

export type { KeyVault, OperationsOptions, OperationsStore } from '../operations/index.js';

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

/** What GET /auth/v1/session reads: the token's accounts and the agents owning their working environments. */
export type SessionStore = Pick<JobStore, 'getAccount' | 'listAccounts' | 'listWorkingEnvironments'>;

/** Token revocations (migration 0004): the /auth/v1 routes and the revocation check of every request. */
export type TokenStore = Pick<JobStore, 'revokeToken' | 'listRevokedTokens'>;

export interface ApiDeps {
  /** With revokeToken / listRevokedTokens, revoked tokens are refused and /auth/v1 is served. */
  store: ApiStore & Partial<OperationsStore> & Partial<TokenStore> & Partial<SessionStore>;
  tokens: TokenVerifier;
  /** Longest token lifetime, seconds: how long a revocation is kept. @default DEFAULT_TOKEN_MAX_TTL (90 days) */
  tokenMaxTtlSeconds?: number;
  /** Required for the agent protocol and the WE / backup / restore / browse routes; without it they are not registered. */
  keys?: KeyVault;
  /** Settings of those routes' operations; defaults from config/defaults.ts. */
  operations?: Partial<OperationsOptions>;
  /** Largest accepted request body, bytes. @default DEFAULTS.bodyLimit */
  bodyLimit?: number;
  /** pino logger options, or false for none. @default false */
  logger?: boolean | Record<string, unknown>;
  /** Prefix for Prometheus metric names; a fresh registry is used per app. @default 'cbs_' */
  metricsPrefix?: string;
  /** Directory of the built web console (index.html, assets/); served at /ui when given and built. */
  webRoot?: string;
}
