import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import {
  CompiledQuery, SelectQueryNode, SqliteDriver, type DatabaseConnection, type QueryResult,
} from 'kysely';

/** Prepared statements kept per connection; the store issues a few dozen distinct queries. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely's SQLite driver with two changes:
 * - write transactions start with BEGIN IMMEDIATE, so the writer lock is taken up front
 *   and a transaction that reads then writes can never fail half-way with SQLITE_BUSY;
 * - statements are prepared once per SQL text and reused (preparing costs about as
 *   much as running the small queries of the job API's hot path).
 * Kysely's mutex still serialises the one connection.
 */
export class StoreSqliteDriver extends SqliteDriver {
  readonly #connection: CachingSqliteConnection;

  constructor(db: SqliteDatabase) {
    super({ database: db });
    this.#connection = new CachingSqliteConnection(db);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await super.acquireConnection(); // takes the mutex
    return this.#connection;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class CachingSqliteConnection implements DatabaseConnection {
  readonly #db: SqliteDatabase;
  readonly #cache = new Map<string, Statement>();

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { sql, parameters } = compiledQuery;
    const stmt = this.#prepare(sql);
    if (stmt.reader) return Promise.resolve({ rows: stmt.all(parameters) as R[] });
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return Promise.resolve({ numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid), rows: [] });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    if (!SelectQueryNode.is(query)) throw new Error('only select queries can be streamed');
    // Not from the cache: a statement being iterated cannot run anything else meanwhile.
    for (const row of this.#db.prepare(sql).iterate(parameters)) yield { rows: [row as R] };
  }

  #prepare(sql: string): Statement {
    const hit = this.#cache.get(sql);
    if (hit !== undefined) {
      this.#cache.delete(sql); // re-insert: the Map's order is the LRU order
      this.#cache.set(sql, hit);
      return hit;
    }
    const stmt = this.#db.prepare(sql);
    this.#cache.set(sql, stmt);
    if (this.#cache.size > STATEMENT_CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as string);
    return stmt;
  }
}
