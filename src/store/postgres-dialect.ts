import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { DriverErrorKind, StoreDialect } from './dialect.js';
import type { Database } from './schema.js';

export interface PostgresDialectOptions {
  /** postgres://… or postgresql://… */
  url: string;
  /** Schema for every table (search_path); created when missing. @default the server's default (public) */
  schema?: string;
  /** @default 10 */
  poolSize?: number;
  /** How long to wait for a connection before STORE_UNAVAILABLE. @default 5000 */
  connectTimeoutMs?: number;
  /** How long deadlock / serialisation failures and lock waits are retried. @default 5000 */
  retryForMs?: number;
  /** Longest statement; beyond it the database counts as unavailable (overloaded). @default 30000 */
  statementTimeoutMs?: number;
  /**
   * Errors of idle pooled connections (server restart, network cut). The pool drops
   * the connection and the next query reports the outage itself, so by default these
   * are only handed to this callback. @default ignored
   */
  onBackgroundError?: (e: Error) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Epoch-ms columns are BIGINT and counts are INT8; pg hands both back as strings.
 * They stay far below 2^53, so they are parsed to numbers for this pool only
 * (not with the process-wide pg.types, which other pg users may rely on).
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): unknown {
    if ((oid === INT8_OID || oid === NUMERIC_OID) && format !== 'binary') return (v: string) => Number(v);
    return (pg.types.getTypeParser as (o: number, f?: string) => unknown)(oid, format);
  },
};

export const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function createPostgresDialect(o: PostgresDialectOptions): Promise<StoreDialect> {
  if (o.schema !== undefined && !SCHEMA_NAME.test(o.schema)) throw new RangeError('schema must match ' + String(SCHEMA_NAME));
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.poolSize ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5000,
    // Server-side limits so nothing waits forever: a row lock held by a stuck session
    // fails the statement (retried as 'busy'), a runaway statement is cancelled.
    options: [
      ...(o.schema === undefined ? [] : [`-c search_path=${o.schema}`]),
      `-c lock_timeout=${Math.max(1, Math.round(o.retryForMs ?? 5000))}`,
      `-c statement_timeout=${Math.max(1, Math.round(o.statementTimeoutMs ?? 30_000))}`,
    ].join(' '),
    types: types as pg.CustomTypesConfig,
  });
  pool.on('error', (e) => o.onBackgroundError?.(e));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (o.schema !== undefined) {
    try {
      await sql`create schema if not exists ${sql.id(o.schema)}`.execute(db);
    } catch (e) {
      // Two instances creating the same schema at once: the loser sees a duplicate.
      const code = (e as { code?: unknown }).code;
      if (code !== '23505' && code !== '42P06') { await db.destroy(); throw e; }
    }
  }
  return {
    name: 'postgres',
    db,
    forUpdate: (qb) => qb.forUpdate(),
    forUpdateSkipLocked: (qb) => qb.forUpdate().skipLocked(),
    async lockMigrations(trx) {
      // Arbitrary constant key: one migration run per database (and schema search path) at a time.
      await sql`select pg_advisory_xact_lock(4242001)`.execute(trx);
    },
    classifyError: classifyPostgresError,
    purgeDeleted: async (table) => { await sql`vacuum full ${sql.table(table)}`.execute(db); },
    retryForMs: o.retryForMs ?? 5000,
    close: () => db.destroy(),
  };
}

const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// admin shutdown, crash shutdown, cannot connect now, too many connections, unknown database, auth failures,
// disk full, read-only, statement timeout / cancel
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '53100', '3D000', '28000', '28P01', '25006', '57014']);

export function classifyPostgresError(e: unknown): DriverErrorKind {
  if (!(e instanceof Error)) return 'unknown';
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_NODE_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return 'unavailable';
    if (code === '23505') return 'unique';
    if (code === '23503') return 'foreign-key';
    if (code === '40001' || code === '40P01') return 'serialization';
    if (code === '55P03') return 'busy';
  }
  if (/connection terminated|timeout exceeded when trying to connect|connection error|cannot use a pool after calling end|not queryable/i.test(e.message)) return 'unavailable';
  if (e instanceof AggregateError && e.errors.some((x) => classifyPostgresError(x) === 'unavailable')) return 'unavailable';
  return 'unknown';
}
