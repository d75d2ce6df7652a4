import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, chmod, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import pg from 'pg';
import { SignJWT } from 'jose';
import { openJobStore } from '../../src/store/open.js';
import { AesGcmKeyVault } from '../../src/main/key-vault.js';
import { deriveEmbeddedAgentSecret } from '../../src/main/bootstrap.js';
import { runCbs } from '../helpers/processes.js';
import { freshPostgres, makeTree, startAgent, startServer, tempDir, type Proc, type Server } from './harness.js';
import { cbs, secret, startKeyedS3rver, type KeyedS3rver } from './s3-support.js';

const SEED = Number(process.env['E2E_SEED'] ?? 7070);
const S3_ACCESS = 'ATRESTKEY0001';
const S3_SECRET = secret('at-rest-s3');
const BUCKETS = ['s3-fresh', 's3-legacy', 's3-custom', 's3-pg'];
/** Settings in which earlier versions kept secrets in plain text. */
const LEGACY_SETTINGS = ['token-secret', 'key-encryption-key', 'embedded-agent-secret'];

/**
 * Secrets at rest, with real `cbs serve` processes: with a fresh CBS_HOME, with one
 * left by an earlier version (loose modes, secrets in the settings table), with a
 * custom SQLite path and on PostgreSQL, a LOCAL and an S3 (s3rver) backup are
 * activated; then every file and directory the service created is 0600 / 0700, and a
 * copy of the database (the SQLite files; every row of every PostgreSQL table) holds
 * none of the secrets in any encoding: S3 secret, repository keys, key-encryption key,
 * token secret, agent secrets, admin token.
 */
describe('secrets at rest: private modes, and a database copy alone reveals no secret', () => {
  let s3: KeyedS3rver;
  before(async () => { s3 = await startKeyedS3rver([[S3_ACCESS, S3_SECRET]], BUCKETS); });
  after(async () => { await s3.stop(); });

  it('fresh CBS_HOME on SQLite', { timeout: 120_000 }, async () => {
    const tmp = await tempDir('at-rest-fresh');
    const procs: Proc[] = [];
    try {
      const home = join(tmp.dir, 'home');
      const server = await start(home, tmp.dir, {}, procs);
      const agentCreds = await protect(server, tmp.dir, s3, 's3-fresh', procs, { backup: true });
      // The admin token in credentials.json expires, within the maximum lifetime, and has an id.
      const claims = JSON.parse(Buffer.from(server.creds.token.split('.')[1]!, 'base64url').toString()) as { exp: number; iat: number; jti?: string };
      assert.equal(claims.exp - claims.iat, 90 * 86400);
      assert.ok(typeof claims.jti === 'string' && claims.jti.length > 0);
      await assertPrivateTree(home, ['cbs.db', 'cbs.db-wal', 'cbs.db-shm', 'credentials.json', 'kek', 'token-secret', 'buckets']);
      assert.equal(await modeOf(agentCreds), 0o600);
      await assertSqliteCopyRevealsNothing(join(home, 'cbs.db'), home, server, agentCreds, tmp.dir);
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await tmp.cleanup();
    }
  });

  it('pre-existing CBS_HOME of an earlier version: tightened, its secrets moved out of the database', { timeout: 120_000 }, async () => {
    const tmp = await tempDir('at-rest-legacy');
    const procs: Proc[] = [];
    try {
      const home = join(tmp.dir, 'home');
      await mkdir(join(home, 'buckets'), { recursive: true });
      await chmod(home, 0o755);
      await chmod(join(home, 'buckets'), 0o755);
      // What an earlier version left: secrets in the settings table, a world-readable database and credentials.
      const legacy = { kek: randomBytes(32), token: randomBytes(32), agent: `old-agent-secret-${randomBytes(8).toString('hex')}` };
      const accountId = 'account-Legacy01';
      const store = await openJobStore({ url: `sqlite:${join(home, 'cbs.db')}`, migrate: true });
      await store.setSetting('key-encryption-key', legacy.kek.toString('base64'));
      await store.setSetting('token-secret', legacy.token.toString('base64'));
      await store.setSetting('embedded-agent-secret', legacy.agent);
      await store.setSetting('default-account-id', accountId);
      await store.createAccount({ id: accountId, name: 'default' });
      await store.close();
      for (const f of await readdir(home)) if (f.startsWith('cbs.db')) await chmod(join(home, f), 0o644);
      // Its admin token: no id, a year long.
      const oldToken = await new SignJWT({ acc: [accountId], role: 'admin' }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('admin').setIssuer('opencbs').setIssuedAt().setExpirationTime('365d').sign(legacy.token);
      await writeFile(join(home, 'credentials.json'), JSON.stringify({ server: 'http://127.0.0.1:1', 'account-id': accountId, token: oldToken, 'agent-id': 'x' }), { mode: 0o644 });
      await chmod(join(home, 'credentials.json'), 0o644);

      const server = await start(home, tmp.dir, {}, procs);
      assert.match(server.output(), /CBS_HOME .* was open to other users \(mode 0755\); tightened to 0700/);
      assert.match(server.output(), /key-encryption key moved from the store's settings/);
      assert.match(server.output(), /token secret moved from the store's settings/);
      assert.deepEqual(Buffer.from((await readFile(join(home, 'kek'), 'utf8')).trim(), 'base64'), legacy.kek);
      assert.deepEqual(Buffer.from((await readFile(join(home, 'token-secret'), 'utf8')).trim(), 'base64'), legacy.token);
      assert.equal(server.creds['account-id'], accountId);
      assert.notEqual(server.creds.token, oldToken, 'the old admin token (no id, a year long) was replaced');
      const old = await fetch(`${server.api.prefix}/v1/job`, { headers: { authorization: `Bearer ${oldToken}`, 'x-agent-id': server.creds['agent-id'] } });
      assert.equal(old.status, 401);

      const agentCreds = await protect(server, tmp.dir, s3, 's3-legacy', procs);
      await assertPrivateTree(home, ['cbs.db', 'credentials.json', 'kek', 'token-secret', 'buckets']);
      await assertSqliteCopyRevealsNothing(join(home, 'cbs.db'), home, server, agentCreds, tmp.dir, [['earlier embedded agent secret', strNeedles(legacy.agent)]]);
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await tmp.cleanup();
    }
  });

  it('custom SQLite path: its directories are made 0700; cbs kek rotate re-wraps and the backups go on', { timeout: 120_000 }, async () => {
    const tmp = await tempDir('at-rest-custom');
    const procs: Proc[] = [];
    try {
      const home = join(tmp.dir, 'home');
      const dbRoot = join(tmp.dir, 'dbroot');
      const db = join(dbRoot, 'a', 'b', 'cbs.db');
      const env = { CBS_DATABASE_URL: `sqlite:${db}` };
      const server = await start(home, tmp.dir, env, procs);
      const agentCreds = await protect(server, tmp.dir, s3, 's3-custom', procs);
      await assertPrivateTree(dbRoot, ['a']);
      assert.deepEqual((await readdir(join(dbRoot, 'a', 'b'))).sort(), ['cbs.db', 'cbs.db-shm', 'cbs.db-wal']);
      await assertPrivateTree(home, ['credentials.json', 'kek', 'token-secret', 'buckets']);
      await assertSqliteCopyRevealsNothing(db, home, server, agentCreds, tmp.dir);

      // Rotation with every instance stopped; the restarted server opens the re-wrapped repository key.
      for (const p of procs.splice(0).reverse()) await p.stop();
      const oldKek = await readFile(join(home, 'kek'), 'utf8');
      const r = await cbs(['kek', 'rotate', '--home', home, '--json'], env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).rewrapped, 3, 'LOCAL key, S3 key and S3 credentials');
      assert.notEqual(await readFile(join(home, 'kek'), 'utf8'), oldKek);
      assert.equal(await modeOf(join(home, 'kek')), 0o600);
      const again = await start(home, tmp.dir, env, procs);
      const local = await again.api.weByName('local');
      const vol = await again.api.volumeByName(local.id, 'v1');
      const job = await again.api.ok('POST', `/v3/backup/working-environment/${local.id}/volume/${vol['file-system-id']}`, { mode: 'AD_HOC' });
      assert.equal((await again.api.waitJob(job['job-id'])).job[0].status, 'COMPLETED');
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await tmp.cleanup();
    }
  });

  it('PostgreSQL, two instances given the same secret files: a dump of every table reveals nothing; a revocation reaches both; a server without the files refuses to start', { timeout: 180_000 }, async (t) => {
    const pgdb = await freshPostgres();
    if (!pgdb) { t.skip('PostgreSQL not reachable'); return; }
    const tmp = await tempDir('at-rest-pg');
    const procs: Proc[] = [];
    try {
      const home1 = join(tmp.dir, 'home1');
      const s1 = await start(home1, tmp.dir, { CBS_DATABASE_URL: pgdb.url }, procs);
      const shared = { CBS_DATABASE_URL: pgdb.url, CBS_KEK_FILE: join(home1, 'kek'), CBS_TOKEN_SECRET_FILE: join(home1, 'token-secret') };
      const home2 = join(tmp.dir, 'home2');
      const s2 = await startServer(home2, { ...shared, CBS_EMBEDDED_AGENT: 'false' });
      procs.push(s2);
      const agentCreds = await protect(s1, tmp.dir, s3, 's3-pg', procs);
      await assertPrivateTree(home1, ['credentials.json', 'kek', 'token-secret', 'buckets']);
      await assertPrivateTree(home2, ['buckets', 'credentials.json']);

      const dump = await dumpPostgres(pgdb.url);
      const wrapped = await targetsOf(dump.rows);
      await assertRevealsNothing('PostgreSQL dump', Buffer.from(dump.text), wrapped, home1, s1, agentCreds);

      // A token made with the CLI works on both instances until it is revoked, then on neither.
      const made = await cbs(['token', 'create', '--home', home1, '--account', s1.creds['account-id'], '--role', 'viewer', '--ttl', '1h', '--json'], { CBS_DATABASE_URL: pgdb.url });
      assert.equal(made.code, 0, made.stderr);
      const { token, id } = JSON.parse(made.stdout) as { token: string; id: string };
      const status = async (s: Server): Promise<{ status: number; code?: string }> => {
        const r = await fetch(`${s.api.prefix}/v1/job`, { headers: { authorization: `Bearer ${token}`, 'x-agent-id': s1.creds['agent-id'] } });
        return { status: r.status, code: ((await r.json()) as { code?: string }).code };
      };
      assert.equal((await status(s1)).status, 200);
      assert.equal((await status(s2)).status, 200);
      const revoked = await cbs(['token', 'revoke', id, '--home', home2], { CBS_DATABASE_URL: pgdb.url });
      assert.equal(revoked.code, 0, revoked.stderr);
      const at = Date.now();
      for (const s of [s1, s2]) {
        let r = await status(s);
        while (r.status === 200 && Date.now() - at < 10_000) { await new Promise((d) => setTimeout(d, 100)); r = await status(s); }
        assert.deepEqual(r, { status: 401, code: 'AUTH_REVOKED' });
      }
      process.stderr.write(`revocation refused on both instances ${Date.now() - at} ms after cbs token revoke returned\n`);

      // Without the shared files, or with other ones, an instance refuses to start and makes no key of its own.
      const refused = async (env: Record<string, string>, re: RegExp): Promise<void> => {
        const r = await runCbs(['serve', '--port', '0', '--log-level', 'warn'], { env: { CBS_HOME: join(tmp.dir, `home-${randomBytes(3).toString('hex')}`), ...env }, timeoutMs: 60_000 });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, re);
      };
      await refused({ CBS_DATABASE_URL: pgdb.url }, /token secret file .* does not exist, but this store was set up .*CBS_TOKEN_SECRET_FILE/);
      await refused({ CBS_DATABASE_URL: pgdb.url, CBS_TOKEN_SECRET_FILE: shared.CBS_TOKEN_SECRET_FILE }, /key-encryption key file .* does not exist, but this store was set up .*CBS_KEK_FILE/);
      const foreign = join(tmp.dir, 'foreign-kek');
      await writeFile(foreign, randomBytes(32).toString('base64'), { mode: 0o600 });
      await refused({ ...shared, CBS_KEK_FILE: foreign }, /key-encryption key in .* is not the one this store was set up with/);
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await pgdb.cleanup();
      await tmp.cleanup();
    }
  });
});

const modeOf = async (p: string): Promise<number> => (await lstat(p)).mode & 0o777;

/** `cbs serve` with its embedded agent's volumes outside CBS_HOME (so everything under the home is the service's). */
async function start(home: string, dir: string, env: Record<string, string>, procs: Proc[]): Promise<Server> {
  const volumes = join(dir, 'local-src');
  if (!existsSync(volumes)) await makeTree(join(volumes, 'v1'), SEED, { files: 4, bigBytes: 200_000 });
  const s = await startServer(home, { CBS_VOLUMES_ROOT: volumes, ...env });
  procs.push(s);
  return s;
}

/**
 * A LOCAL backup on the embedded agent's WE (activated; with `backup`, one backup made so
 * the bucket holds data, index and snapshot objects too), and an S3 one on a standalone
 * agent's WE (activated). Returns the standalone agent's credentials file.
 */
async function protect(server: Server, dir: string, s3: KeyedS3rver, bucket: string, procs: Proc[], o: { backup?: boolean } = {}): Promise<string> {
  const api = server.api;
  const local = await api.weByName('local');
  await api.activate(local.id, 'local-bucket');
  if (o.backup === true) {
    const vol = await api.volumeByName(local.id, 'v1');
    const job = await api.ok('POST', `/v3/backup/working-environment/${local.id}/volume/${vol['file-system-id']}`, { mode: 'AD_HOC' });
    assert.equal((await api.waitJob(job['job-id'])).job[0].status, 'COMPLETED');
  }

  await makeTree(join(dir, 's3-src', 'v2'), SEED + 1, { files: 2, bigBytes: 10_000 });
  const agent = await startAgent(server, dir, { s3we: join(dir, 's3-src') });
  procs.push(agent);
  const we = await api.weByName('s3we');
  const r = await api.ok('POST', `/v3/backup/working-environment/${we.id}`, {
    provider: 'ONTAP_S3', bucket, 'ontap-s3': { 'storage-server': s3.endpoint, 'access-key': S3_ACCESS, 'secret-password': S3_SECRET },
  });
  const j = await api.waitJob(r['job-id']);
  assert.equal(j.job[0].status, 'COMPLETED', JSON.stringify(j));
  return agent.credentials;
}

/**
 * Every directory under root (root included) is 0700 and every file 0600; `expect`
 * names entries that must be there. The LOCAL bucket's objects are checked too.
 */
async function assertPrivateTree(root: string, expect: string[]): Promise<void> {
  const top = await readdir(root);
  for (const e of expect) assert.ok(top.includes(e), `${e} missing in ${root}: ${top.join(', ')}`);
  let files = 0;
  const walk = async (p: string): Promise<void> => {
    const st = await lstat(p);
    if (st.isDirectory()) {
      assert.equal(st.mode & 0o777, 0o700, `directory ${p} has mode ${(st.mode & 0o777).toString(8)}`);
      for (const n of await readdir(p)) await walk(join(p, n));
    } else {
      files++;
      assert.ok(st.isFile(), `${p} is not a regular file`);
      assert.equal(st.mode & 0o777, 0o600, `file ${p} has mode ${(st.mode & 0o777).toString(8)}`);
    }
  };
  await walk(root);
  assert.ok(files > 0);
}

type Needle = [string, Buffer[]];

/** A secret's bytes as they could be stored: raw, hex (both cases), base64, base64url, base64 without padding. */
function byteNeedles(b: Buffer): Buffer[] {
  const b64 = b.toString('base64');
  return [b, b.toString('hex'), b.toString('hex').toUpperCase(), b64, b64.replace(/=+$/, ''), b.toString('base64url')].map((x) => (typeof x === 'string' ? Buffer.from(x) : x));
}
/** A text secret as it could be stored: itself, and its bytes in every encoding of byteNeedles. */
function strNeedles(s: string): Buffer[] {
  return byteNeedles(Buffer.from(s));
}

async function fileSecret(path: string): Promise<Buffer> {
  return Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
}

interface TargetRow { wrapped_key: string; wrapped_credentials: string | null }

/** The backup targets' wrapped values (LOCAL and S3). */
async function targetsOf(rows: Map<string, Record<string, unknown>[]>): Promise<TargetRow[]> {
  const t = (rows.get('backup_targets') ?? []) as unknown as TargetRow[];
  assert.equal(t.length, 2, 'a LOCAL and an S3 target');
  return t;
}

/** Copies the SQLite files (as a backup of the disk would) and checks the copy. */
async function assertSqliteCopyRevealsNothing(db: string, home: string, server: Server, agentCreds: string, dir: string, extra: Needle[] = []): Promise<void> {
  const copyDir = join(dir, `db-copy-${randomBytes(3).toString('hex')}`);
  await mkdir(copyDir);
  const parts: Buffer[] = [];
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      await copyFile(`${db}${suffix}`, join(copyDir, `cbs.db${suffix}`));
      parts.push(await readFile(join(copyDir, `cbs.db${suffix}`)));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  const copy = new Database(join(copyDir, 'cbs.db'));
  try {
    const rows = new Map<string, Record<string, unknown>[]>();
    for (const { name } of copy.prepare(`select name from sqlite_master where type = 'table'`).all() as Array<{ name: string }>) {
      rows.set(name, copy.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]);
    }
    const settings = (rows.get('settings') ?? []).map((r) => r['key']);
    for (const k of LEGACY_SETTINGS) assert.ok(!settings.includes(k), `setting ${k} is in the database`);
    const text = Buffer.from(JSON.stringify([...rows]));
    await assertRevealsNothing('SQLite copy', Buffer.concat([...parts, text]), await targetsOf(rows), home, server, agentCreds, extra);
  } finally {
    copy.close();
  }
}

/** Every row of every table of the database's public schema, as JSON (what a dump holds). */
async function dumpPostgres(url: string): Promise<{ text: string; rows: Map<string, Record<string, unknown>[]> }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = new Map<string, Record<string, unknown>[]>();
    const tables = await c.query<{ table_name: string }>(`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`);
    for (const { table_name: t } of tables.rows) rows.set(t, (await c.query(`select * from "${t}"`)).rows as Record<string, unknown>[]);
    const settings = (rows.get('settings') ?? []).map((r) => r['key']);
    for (const k of LEGACY_SETTINGS) assert.ok(!settings.includes(k), `setting ${k} is in the database`);
    return { text: JSON.stringify([...rows]), rows };
  } finally {
    await c.end();
  }
}

/**
 * The secrets, taken from the files the database must not be enough without: the KEK
 * opens the wrapped values to give the repository keys and S3 credentials (proving the
 * copy is the right one), then none of them may appear in the copy.
 */
async function assertRevealsNothing(what: string, hay: Buffer, targets: TargetRow[], home: string, server: Server, agentCreds: string, extra: Needle[] = []): Promise<void> {
  const kek = await fileSecret(join(home, 'kek'));
  const tokenSecret = await fileSecret(join(home, 'token-secret'));
  const vault = new AesGcmKeyVault(kek);
  const needles: Needle[] = [
    ['S3 secret', strNeedles(S3_SECRET)],
    ['key-encryption key', byteNeedles(kek)],
    ['token secret', byteNeedles(tokenSecret)],
    ['embedded agent secret', strNeedles(deriveEmbeddedAgentSecret(tokenSecret, server.creds['agent-id']))],
    ['standalone agent secret', strNeedles((JSON.parse(await readFile(agentCreds, 'utf8')) as { agentSecret: string }).agentSecret)],
    ['admin token', strNeedles(server.creds.token)],
    ['admin token signature', strNeedles(server.creds.token.split('.')[2]!)],
    ...extra,
  ];
  let sawCredentials = false;
  for (const t of targets) {
    assert.ok(hay.includes(Buffer.from(t.wrapped_key)), `${what} does not hold the wrapped key it was read from`);
    needles.push(['repository key', byteNeedles(vault.unwrap(t.wrapped_key))]);
    if (t.wrapped_credentials !== null) {
      const creds = vault.unwrap(t.wrapped_credentials).toString();
      assert.ok(creds.includes(S3_SECRET), 'the KEK file opens the S3 credentials');
      sawCredentials = true;
    }
  }
  assert.ok(sawCredentials);
  for (const [name, forms] of needles) {
    for (const [i, n] of forms.entries()) assert.ok(!hay.includes(n), `${what} holds the ${name} (encoding ${i})`);
  }
}
