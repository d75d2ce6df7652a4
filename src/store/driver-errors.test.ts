import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { CbsError } from '../errors/index.js';
import { mapDriverError } from './map-driver-error.js';
import { openJobStore, sqlitePathOf } from './open.js';
import { classifyPostgresError } from './postgres-dialect.js';
import { classifySqliteError } from './sqlite-dialect.js';
import { storeMatrix, testDatabaseUrl } from './testing/store-matrix.js';

const NO_SQL = /select|insert|update|begin|pragma|values|from "/i;

function expectCode(code: string) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof CbsError, `expected CbsError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.doesNotMatch(e.message, NO_SQL, 'no SQL in messages');
    return true;
  };
}

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-store-err-'));
  try { return await fn(dir); } finally { await rm(dir, { recursive: true, force: true }); }
}

const dialects = new Set(storeMatrix().map((m) => m.name));

describe('job store URLs', () => {
  test('sqlite URL forms', () => {
    assert.equal(sqlitePathOf('sqlite:/var/lib/cbs/cbs.db'), '/var/lib/cbs/cbs.db');
    assert.equal(sqlitePathOf('sqlite:///var/lib/cbs/cbs.db'), '/var/lib/cbs/cbs.db');
    assert.equal(sqlitePathOf('sqlite::memory:'), ':memory:');
    assert.equal(sqlitePathOf('postgres://x'), undefined);
    assert.ok(sqlitePathOf('sqlite:rel/cbs.db')!.endsWith('/rel/cbs.db'));
  });
  test('an unknown scheme or a bad schema name is VALIDATION_FAILED', async () => {
    await assert.rejects(openJobStore({ url: 'mysql://localhost/x' }), expectCode('VALIDATION_FAILED'));
    await assert.rejects(openJobStore({ url: 'sqlite:' }), expectCode('VALIDATION_FAILED'));
    await assert.rejects(openJobStore({ url: 'postgres://localhost/x', schema: 'Robert"; drop' }), expectCode('VALIDATION_FAILED'));
  });
  test('sqlite::memory: is a working, private store', async () => {
    const s = await openJobStore({ url: 'sqlite::memory:', migrate: true });
    try {
      assert.equal(s.dialect, 'sqlite');
      await s.setSetting('a', 'b');
      assert.equal(await s.getSetting('a'), 'b');
    } finally { await s.close(); }
  });
});

describe('driver errors become the store vocabulary', { skip: !dialects.has('sqlite') }, () => {
  test('sqlite: a writer held beyond busyTimeoutMs is STORE_UNAVAILABLE; readers are not blocked; it recovers', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'cbs.db');
      const store = await openJobStore({ url: `sqlite:${path}`, busyTimeoutMs: 200, migrate: true });
      const holder = new BetterSqlite3(path);
      try {
        await store.setSetting('k', 'before');
        holder.exec('begin immediate');
        const started = Date.now();
        await assert.rejects(store.setSetting('k', 'during'), (e) => {
          expectCode('STORE_UNAVAILABLE')(e);
          assert.equal((e as { cause?: { code?: string } }).cause?.code, 'SQLITE_BUSY', 'driver error kept as cause');
          return true;
        });
        assert.ok(Date.now() - started >= 200, 'waited for the busy timeout');
        assert.equal(await store.getSetting('k'), 'before', 'WAL readers do not wait for the writer');
        holder.exec('rollback');
        await store.setSetting('k', 'after');
        assert.equal(await store.getSetting('k'), 'after');
      } finally {
        holder.close();
        await store.close();
      }
    });
  });

  test('sqlite: a writer released within busyTimeoutMs is waited for, not failed', async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, 'cbs.db');
      const store = await openJobStore({ url: `sqlite:${path}`, busyTimeoutMs: 5_000, migrate: true });
      const holder = new BetterSqlite3(path);
      try {
        holder.exec('begin immediate');
        const write = store.setSetting('k', 'v');
        setTimeout(() => holder.exec('rollback'), 100);
        await write;
        assert.equal(await store.getSetting('k'), 'v');
      } finally {
        holder.close();
        await store.close();
      }
    });
  });

  test('sqlite: an unopenable path, or a closed store, is STORE_UNAVAILABLE', async () => {
    await withTempDir(async (dir) => {
      const notADir = join(dir, 'plain-file');
      await writeFile(notADir, 'x');
      await assert.rejects(openJobStore({ url: `sqlite:${join(notADir, 'cbs.db')}` }), expectCode('STORE_UNAVAILABLE'));
      await assert.rejects(openJobStore({ url: 'sqlite:/proc/no-such-dir/cbs.db' }), expectCode('STORE_UNAVAILABLE'));
      const created = await openJobStore({ url: `sqlite:${join(dir, 'a', 'b', 'cbs.db')}` });
      await created.close();
    });
    const s = await openJobStore({ url: 'sqlite::memory:', migrate: true });
    await s.close();
    await assert.rejects(s.ping(), expectCode('STORE_UNAVAILABLE'));
    await assert.rejects(s.getSetting('x'), expectCode('STORE_UNAVAILABLE'));
  });
});

describe('postgres outages', { skip: !dialects.has('postgres') }, () => {
  test('an unreachable server is STORE_UNAVAILABLE on ping and on every operation', async () => {
    const s = await openJobStore({ url: 'postgres://postgres@127.0.0.1:1/test', connectTimeoutMs: 1_000 });
    try {
      await assert.rejects(s.ping(), expectCode('STORE_UNAVAILABLE'));
      await assert.rejects(s.getJob('account-x', 'y'), expectCode('STORE_UNAVAILABLE'));
      await assert.rejects(s.claimTask('a', { leaseMs: 1000 }), expectCode('STORE_UNAVAILABLE'));
    } finally { await s.close(); }
    await assert.rejects(openJobStore({ url: 'postgres://postgres@127.0.0.1:1/test', schema: 'x', connectTimeoutMs: 1_000 }), expectCode('STORE_UNAVAILABLE'));
  });

  test('an unknown database is STORE_UNAVAILABLE', async () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = '/no_such_database_cbs';
    const s = await openJobStore({ url: url.toString() });
    try {
      await assert.rejects(s.ping(), expectCode('STORE_UNAVAILABLE'));
    } finally { await s.close(); }
  });

  test('a row lock held by a stuck session makes writers give up after busyTimeoutMs with STORE_UNAVAILABLE', async () => {
    const [m] = storeMatrix().filter((x) => x.name === 'postgres');
    const ms = await m!.open();
    const stuck = new pg.Client({ connectionString: testDatabaseUrl() });
    await stuck.connect();
    try {
      await ms.store.setSetting('k', 'v0');
      const impatient = await ms.openAnother({ busyTimeoutMs: 300 });
      await stuck.query('begin');
      await stuck.query(`select * from "${String(ms.options.schema)}".settings where key = 'k' for update`);
      const started = Date.now();
      await assert.rejects(impatient.setSetting('k', 'v1'), expectCode('STORE_UNAVAILABLE'));
      assert.ok(Date.now() - started >= 300);
      assert.equal(await impatient.getSetting('k'), 'v0', 'readers are not blocked');
      await stuck.query('rollback');
      await impatient.setSetting('k', 'v2');
      assert.equal(await ms.store.getSetting('k'), 'v2');
    } finally {
      await stuck.end();
      await ms.destroy();
    }
  });

  test('a closed store is STORE_UNAVAILABLE', async () => {
    const s = await openJobStore({ url: testDatabaseUrl() });
    await s.ping();
    await s.close();
    await assert.rejects(s.getSetting('x'), expectCode('STORE_UNAVAILABLE'));
  });
});

describe('error classification', () => {
  const pgErr = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  test('postgres SQLSTATEs and socket errors', () => {
    assert.equal(classifyPostgresError(pgErr('23505')), 'unique');
    assert.equal(classifyPostgresError(pgErr('23503')), 'foreign-key');
    assert.equal(classifyPostgresError(pgErr('40P01')), 'serialization');
    assert.equal(classifyPostgresError(pgErr('40001')), 'serialization');
    assert.equal(classifyPostgresError(pgErr('ECONNREFUSED')), 'unavailable');
    assert.equal(classifyPostgresError(pgErr('57P01')), 'unavailable');
    assert.equal(classifyPostgresError(pgErr('08006')), 'unavailable');
    assert.equal(classifyPostgresError(new Error('Connection terminated unexpectedly')), 'unavailable');
    assert.equal(classifyPostgresError(new AggregateError([pgErr('ECONNREFUSED')])), 'unavailable');
    assert.equal(classifyPostgresError(pgErr('55P03')), 'busy');
    assert.equal(classifyPostgresError(pgErr('57014')), 'unavailable');
    assert.equal(classifyPostgresError(pgErr('42P01')), 'unknown');
  });
  test('sqlite result codes', () => {
    const e = (code: string) => Object.assign(new Error('x'), { code });
    assert.equal(classifySqliteError(e('SQLITE_BUSY')), 'busy');
    assert.equal(classifySqliteError(e('SQLITE_BUSY_SNAPSHOT')), 'busy');
    assert.equal(classifySqliteError(e('SQLITE_CONSTRAINT_PRIMARYKEY')), 'unique');
    assert.equal(classifySqliteError(e('SQLITE_CONSTRAINT_FOREIGNKEY')), 'foreign-key');
    assert.equal(classifySqliteError(e('SQLITE_IOERR_FSYNC')), 'unavailable');
    assert.equal(classifySqliteError(e('SQLITE_ERROR')), 'unknown');
  });
  test('mapped errors carry the driver error as cause and a registered code', () => {
    const cause = pgErr('23505', 'duplicate key value violates unique constraint "jobs_pkey" (insert into "jobs" …)');
    const m = mapDriverError(cause, 'unique', 'createJob');
    assert.equal(m.code, 'CONFLICT');
    assert.equal(m.cause, cause);
    assert.doesNotMatch(m.message, /jobs_pkey|insert/);
    assert.equal(mapDriverError(cause, 'unknown', 'x').code, 'INTERNAL');
    const own = new CbsError('LEASE_LOST', 'l');
    assert.equal(mapDriverError(own, 'unknown', 'x'), own);
  });
});
