import type { Kysely, SelectQueryBuilder, Transaction } from 'kysely';
import type { Database } from './schema.js';

/**
 * The one seam where SQLite and PostgreSQL differ. Everything above it (queries,
 * migrations, the store) is written once against Kysely and this interface.
 *
 * SQLite: one connection per store, serialised by the driver; write transactions
 * start with BEGIN IMMEDIATE, so the writer lock is taken up front and row locks are
 * unnecessary. PostgreSQL: a pool, READ COMMITTED, explicit row locks (`FOR UPDATE`,
 * `SKIP LOCKED` for claims) and an advisory lock for migrations.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly db: Kysely<Database>;
  /** Locks the selected rows until the transaction ends (no-op where the writer lock covers it). */
  forUpdate<TB extends keyof Database, O>(qb: SelectQueryBuilder<Database, TB, O>): SelectQueryBuilder<Database, TB, O>;
  /** Like forUpdate, but rows locked by another transaction are skipped, not waited for. */
  forUpdateSkipLocked<TB extends keyof Database, O>(qb: SelectQueryBuilder<Database, TB, O>): SelectQueryBuilder<Database, TB, O>;
  /** Serialises migration runs of several instances; held until `trx` ends. */
  lockMigrations(trx: Transaction<Database>): Promise<void>;
  /** Sorts a driver error into the store's vocabulary (see map-driver-error.ts). */
  classifyError(e: unknown): DriverErrorKind;
  /**
   * Leaves no copy of deleted rows of `table` in the database's files (for secrets
   * removed from the store). SQLite: deleted content is zeroed as it is deleted
   * (secure_delete); this checkpoints the WAL into the database and truncates it, so
   * no older page holding them survives. PostgreSQL: rewrites the table (VACUUM FULL),
   * so no dead row stays in its files.
   */
  purgeDeleted(table: 'settings'): Promise<void>;
  /** How long busy / serialisation failures are retried before STORE_UNAVAILABLE. */
  readonly retryForMs: number;
  close(): Promise<void>;
}

/**
 * unavailable   cannot reach / open / write the database
 * busy          another writer holds the lock (SQLite) or a lock wait gave up
 * serialization the transaction was rolled back to break a deadlock or conflict (retry it)
 * unique        a unique or primary key constraint was violated
 * foreign-key   a reference to a row that does not exist
 * unknown       anything else (a bug: INTERNAL)
 */
export type DriverErrorKind = 'unavailable' | 'busy' | 'serialization' | 'unique' | 'foreign-key' | 'unknown';

/** Errors of these kinds leave nothing behind (the transaction rolled back), so the operation may be repeated. */
export function isRetryable(kind: DriverErrorKind): boolean {
  return kind === 'busy' || kind === 'serialization';
}
