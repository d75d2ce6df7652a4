import type { Job, JobFilter, JobStatus } from '../store/model.js';
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

export interface ApiDeps {
  store: ApiStore;
  tokens: TokenVerifier;
  /** Largest accepted request body, bytes. @default 1048576 */
  bodyLimit?: number;
  /** pino logger options, or false for none. @default false */
  logger?: boolean | Record<string, unknown>;
  /** Prefix for Prometheus metric names; a fresh registry is used per app. @default 'cbs_' */
  metricsPrefix?: string;
}
