import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, sql, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler, type Dialect } from 'kysely';
import { CbsError } from '../errors/index.js';
import type { DriverErrorKind, StoreDialect } from './dialect.js';
import { StoreSqliteDriver } from './sqlite-driver.js';
import type { Database } from './schema.js';

export interface SqliteDialectOptions {
  /** Absolute file path, or ':memory:'. */
  path: string;
  /** How long a writer waits for another writer before STORE_UNAVAILABLE. @default 5000 */
  busyTimeoutMs?: number;
}

export function createSqliteDialect(o: SqliteDialectOptions): StoreDialect {
  if (o.path !== ':memory:') {
    makeParents(dirname(o.path));
    makePrivate(o.path);
  }
  const sqlite = new BetterSqlite3(o.path);
  try {
    if (o.path !== ':memory:') sqlite.pragma('journal_mode = WAL');
    // FULL: a job answered with 202 must survive a power loss, not only a crash.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // Deleted rows are overwritten, not left in free space: secrets once kept here must not linger.
    sqlite.pragma('secure_delete = ON');
    // The busy wait is done asynchronously by the store (retryForMs): SQLite's own
    // busy handler sleeps synchronously, which would also stall the connection holding
    // the lock whenever both live in this process, and every request of the server.
    sqlite.pragma('busy_timeout = 0');
  } catch (e) {
    sqlite.close();
    throw e;
  }
  const dialect: Dialect = {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new StoreSqliteDriver(sqlite),
    createQueryCompiler: () => new SqliteQueryCompiler(),
    createIntrospector: (db) => new SqliteIntrospector(db),
  };
  const db = new Kysely<Database>({ dialect });
  return {
    name: 'sqlite',
    db,
    forUpdate: (qb) => qb,
    forUpdateSkipLocked: (qb) => qb,
    lockMigrations: async () => { /* BEGIN IMMEDIATE already excludes every other writer */ },
    classifyError: classifySqliteError,
    purgeDeleted: async () => {
      if (o.path === ':memory:') return;
      // Through Kysely, so the checkpoint waits its turn behind the store's other statements on the one connection.
      await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    },
    retryForMs: o.busyTimeoutMs ?? 5000,
    close: () => db.destroy(),
  };
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync never returns for some
 * unwritable parents (e.g. under /proc), where this fails with ENOENT / EACCES.
 * Directories made here are the service's own: 0700.
 */
function makeParents(dir: string): void {
  if (existsSync(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeParents(parent);
  mkdirSync(dir, { mode: 0o700 });
}

/**
 * The database holds the service's state: only its user may read it. The file is
 * created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * database's mode), and an existing database, -wal or -shm readable by others (made
 * by an older version, or copied in) is tightened to 0600.
 */
function makePrivate(path: string): void {
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  for (const p of [path, `${path}-wal`, `${path}-shm`, `${path}-journal`]) {
    let mode: number;
    try {
      mode = statSync(p).mode;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(p, mode & 0o700);
    } catch (e) {
      throw new CbsError('STORE_UNAVAILABLE',
        `database file ${p} is readable by other users (mode ${(mode & 0o777).toString(8)}) and cannot be made private (${(e as NodeJS.ErrnoException).code ?? String(e)}): chmod 600 it, or run the service as its owner`, { cause: e });
    }
  }
}

export function classifySqliteError(e: unknown): DriverErrorKind {
  if (e instanceof TypeError && /database connection is not open/i.test(e.message)) return 'unavailable';
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return 'unknown';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return 'unique';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return 'foreign-key';
  if (/^SQLITE_(CANTOPEN|IOERR|FULL|READONLY|CORRUPT|NOTADB|PERM|AUTH|NOMEM)/.test(code)) return 'unavailable';
  return 'unknown';
}
