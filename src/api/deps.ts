import type { Job, JobFilter, JobStatus } from '../store/model.js';
import type { TokenVerifier } from '../auth/index.js';
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

export interface ApiDeps {
  store: ApiStore & Partial<OperationsStore>;
  tokens: TokenVerifier;
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
}
