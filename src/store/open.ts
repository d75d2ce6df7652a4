import { isAbsolute, resolve } from 'node:path';
import { CbsError } from '../errors/index.js';
import type { StoreDialect } from './dialect.js';
import type { JobStore } from './job-store.js';
import { KyselyJobStore } from './kysely-job-store.js';
import { mapDriverError } from './map-driver-error.js';
import { createPostgresDialect, SCHEMA_NAME } from './postgres-dialect.js';
import { createSqliteDialect } from './sqlite-dialect.js';

export interface OpenJobStoreOptions {
  /** `sqlite:/abs/path/cbs.db`, `sqlite::memory:`, `postgres://…` or `postgresql://…` */
  url: string;
  /** PostgreSQL only: schema holding the tables (search_path), created when missing. @default public */
  schema?: string;
  /** PostgreSQL only: connections in the pool. @default 10 */
  poolSize?: number;
  /** How long an operation waits for a busy database (SQLite writer lock, PG deadlock retries). @default 5000 */
  busyTimeoutMs?: number;
  /** PostgreSQL only: connection timeout. @default 5000 */
  connectTimeoutMs?: number;
  /** PostgreSQL only: errors of idle pooled connections, for the log. @default ignored */
  onBackgroundError?: (e: Error) => void;
  /**
   * How long a PENDING task of a running job waits for an agent that shows no sign of
   * life (no live lease, not seen) before expireLeases fails it. @default DEFAULTS.agentGoneMs
   */
  agentGoneAfterMs?: number;
  /** Run migrate() before returning. @default false */
  migrate?: boolean;
}

/**
 * Opens the job store named by a URL. Does not migrate unless asked; call
 * `store.migrate()` at start-up (safe from several instances at once).
 * Throws VALIDATION_FAILED for a malformed URL, STORE_UNAVAILABLE when the database
 * cannot be opened.
 */
export async function openJobStore(opts: OpenJobStoreOptions): Promise<JobStore> {
  if (opts.agentGoneAfterMs !== undefined && !(Number.isInteger(opts.agentGoneAfterMs) && opts.agentGoneAfterMs > 0)) {
    throw new CbsError('VALIDATION_FAILED', 'agentGoneAfterMs must be a positive integer', { details: { field: 'agentGoneAfterMs' } });
  }
  const store = new KyselyJobStore(await openDialect(opts),
    opts.agentGoneAfterMs === undefined ? {} : { agentGoneAfterMs: opts.agentGoneAfterMs });
  if (opts.migrate === true) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}

/** `sqlite:` URL → file path (or ':memory:'); undefined when the URL is not SQLite. */
export function sqlitePathOf(url: string): string | undefined {
  if (!url.startsWith('sqlite:')) return undefined;
  let rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return rest;
  if (rest.startsWith('///')) rest = rest.slice(2);
  if (rest === '') throw new CbsError('VALIDATION_FAILED', 'job store URL: sqlite: needs a file path', { details: { field: 'url' } });
  return isAbsolute(rest) ? rest : resolve(rest);
}

async function openDialect(opts: OpenJobStoreOptions): Promise<StoreDialect> {
  const path = sqlitePathOf(opts.url);
  if (path !== undefined) {
    try {
      return createSqliteDialect({ path, ...(opts.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: opts.busyTimeoutMs }) });
    } catch (e) {
      // Whatever the driver called it, a store that cannot be opened is unavailable.
      throw mapDriverError(e, 'unavailable', 'open');
    }
  }
  if (/^postgres(ql)?:\/\//.test(opts.url)) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) {
      throw new CbsError('VALIDATION_FAILED', 'job store schema must be a lowercase SQL identifier', { details: { field: 'schema' } });
    }
    try {
      return await createPostgresDialect({
        url: opts.url,
        ...(opts.schema === undefined ? {} : { schema: opts.schema }),
        ...(opts.poolSize === undefined ? {} : { poolSize: opts.poolSize }),
        ...(opts.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: opts.connectTimeoutMs }),
        ...(opts.busyTimeoutMs === undefined ? {} : { retryForMs: opts.busyTimeoutMs }),
        ...(opts.onBackgroundError === undefined ? {} : { onBackgroundError: opts.onBackgroundError }),
      });
    } catch (e) {
      throw mapDriverError(e, 'unavailable', 'open');
    }
  }
  throw new CbsError('VALIDATION_FAILED', 'job store URL must start with sqlite:, postgres:// or postgresql://', { details: { field: 'url' } });
}

