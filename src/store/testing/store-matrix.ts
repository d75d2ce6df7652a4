import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { JobStore } from '../job-store.js';
import { openJobStore, type OpenJobStoreOptions } from '../open.js';

export type StoreDialectName = 'sqlite' | 'postgres';

export interface MatrixStore {
  store: JobStore;
  /** How to open this database elsewhere (another process or worker thread). */
  options: OpenJobStoreOptions;
  /** Opens another, independent store on the same database (another instance / connection). */
  openAnother(o?: Partial<OpenJobStoreOptions>): Promise<JobStore>;
  /** Closes the store (and any opened with openAnother) and removes its database. */
  destroy(): Promise<void>;
}

export interface MatrixEntry {
  name: StoreDialectName;
  /** A FRESH store, migrated unless `migrate: false`: SQLite in a new temp dir, PostgreSQL in a new random schema. */
  open(o?: { migrate?: boolean }): Promise<MatrixStore>;
}

/** @default postgres://postgres@127.0.0.1:5432/test */
export function testDatabaseUrl(): string {
  return process.env['CBS_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * The dialects every store test runs over, from JOB_STORES (a comma list;
 * @default "sqlite,postgres"). Use with node:test:
 *
 *   for (const m of storeMatrix()) describe(m.name, () => { test('…', async () => { const { store, destroy } = await m.open(); … }) })
 */
export function storeMatrix(): MatrixEntry[] {
  const names = (process.env['JOB_STORES'] ?? 'sqlite,postgres').split(',').map((s) => s.trim()).filter((s) => s !== '');
  return names.map((n) => {
    switch (n) {
      case 'sqlite': return { name: 'sqlite', open: openSqlite };
      case 'postgres': return { name: 'postgres', open: openPostgres };
      default: throw new Error(`JOB_STORES: unknown store "${n}" (expected sqlite and/or postgres)`);
    }
  });
}

async function openSqlite(o: { migrate?: boolean } = {}): Promise<MatrixStore> {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-store-'));
  const url = `sqlite:${join(dir, 'cbs.db')}`;
  const others: JobStore[] = [];
  try {
    const store = await openJobStore({ url, migrate: o.migrate ?? true });
    return {
      store,
      options: { url },
      async openAnother(more) {
        const s = await openJobStore({ ...more, url });
        others.push(s);
        return s;
      },
      async destroy() {
        await closeAll([store, ...others]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}

async function openPostgres(o: { migrate?: boolean } = {}): Promise<MatrixStore> {
  const url = testDatabaseUrl();
  const schema = `cbs_test_${randomBytes(6).toString('hex')}`;
  const others: JobStore[] = [];
  const dropSchema = async (): Promise<void> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`drop schema if exists "${schema}" cascade`);
    } finally {
      await client.end();
    }
  };
  try {
    const store = await openJobStore({ url, schema, poolSize: 4, migrate: o.migrate ?? true });
    return {
      store,
      options: { url, schema, poolSize: 4 },
      async openAnother(more) {
        const s = await openJobStore({ poolSize: 4, ...more, url, schema });
        others.push(s);
        return s;
      },
      async destroy() {
        await closeAll([store, ...others]);
        await dropSchema();
      },
    };
  } catch (e) {
    await dropSchema().catch(() => undefined);
    throw e;
  }
}

async function closeAll(stores: JobStore[]): Promise<void> {
  const results = await Promise.allSettled(stores.map((s) => s.close()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
