import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { errorOutcome } from '../../src/errors/index.js';
import { backup, check, isRepoError, listDir, openRepository, restore, type Repository } from '../../src/repo/index.js';
import { testRepo, withTempDir } from '../../src/repo/testing/fixtures.js';
import { Rng, seedFromEnv } from '../../src/repo/testing/random.js';
import { MemBackend, type Backend } from '../../src/storage/index.js';
import { S3Backend } from '../../src/storage/s3/s3-backend.js';
import { FaultyBackend, startS3FaultProxy, startS3rver } from '../../src/storage/testing/index.js';

process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';

/**
 * One taxonomy across the engine boundary: a store that does not answer is
 * BUCKET_UNAVAILABLE (retryable when transient), never REPO_INTEGRITY; bytes that do
 * not verify are REPO_INTEGRITY. Asserted through errorOutcome, the mapping the agent
 * and the CLI share.
 */

const unavailable = (retryable: boolean) => (e: unknown): boolean => {
  assert.deepEqual(errorOutcome(e), { code: 'BUCKET_UNAVAILABLE', retryable }, `${(e as Error).message}`);
  assert.ok(!isRepoError(e, 'REPO_INTEGRITY'));
  return true;
};

async function source(dir: string, seed: number): Promise<string> {
  const rng = new Rng(seed);
  const src = join(dir, 'src');
  await mkdir(join(src, 'sub'), { recursive: true });
  await writeFile(join(src, 'big'), rng.bytes(2 * 1024 * 1024));
  await writeFile(join(src, 'sub', 'small'), 'small');
  return src;
}

const s3 = await startS3rver();
after(() => s3.stop());

test('an S3 store that times out on every request: open, check and restore report BUCKET_UNAVAILABLE (retryable)', { timeout: 60_000 }, async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const opts = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey, bucket: `tax-${process.pid}` };
    const direct = new S3Backend({ ...opts, endpoint: s3.endpoint });
    await direct.ensureBucket();
    const repo = await testRepo(direct);
    await backup(repo, { sourceDir: await source(dir, seed), workers: 1 });
    await direct.close();

    const proxy = await startS3FaultProxy(s3.endpoint);
    const slow: Backend = new S3Backend({ ...opts, endpoint: proxy.endpoint, requestTimeoutMs: 300 });
    try {
      const opened = await openRepository(slow, { passphrase: 'test' });
      proxy.plan({ fault: { kind: 'stall' }, times: Infinity });
      await assert.rejects(check(opened), unavailable(true));
      await assert.rejects(check(opened, { readData: true }), unavailable(true));
      await assert.rejects(restore(opened, { snapshotId: 'latest', targetDir: join(dir, 'out') }), unavailable(true));
      await assert.rejects(openRepository(slow, { passphrase: 'test' }), unavailable(true));
      assert.ok(proxy.faulted > 0);
    } finally {
      await slow.close();
      await proxy.stop();
    }
  });
});

/** A repository whose reads of `key` fail as planned once it is open: every engine path that reads them. */
async function withFailingReads(dir: string, seed: number, key: RegExp, fault: 'transient' | 'permanent', f: (repo: Repository) => Promise<void>): Promise<void> {
  const faulty = new FaultyBackend(new MemBackend());
  const repo = await testRepo(faulty);
  await backup(repo, { sourceDir: await source(dir, seed), workers: 1 });
  const opened = await openRepository(faulty, { passphrase: 'test' });
  faulty.plan({ method: 'get', key, fault, times: Infinity });
  await f(opened);
  faulty.assertAllFired();
}

test('timeouts reading packs, index or snapshots are BUCKET_UNAVAILABLE in check, restore and browse', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    await withFailingReads(dir, seed, /^data\//, 'transient', async (repo) => {
      // Tree blobs live in packs: the snapshot walk meets the outage before any data read.
      await assert.rejects(check(repo), unavailable(true));
      await assert.rejects(check(repo, { readData: true }), unavailable(true));
      await assert.rejects(restore(repo, { snapshotId: 'latest', targetDir: join(dir, 'out1') }), unavailable(true));
      await assert.rejects(listDir(repo, 'latest', '/'), unavailable(true));
    });
    await withFailingReads(dir, seed, /^index\//, 'transient', async (repo) => {
      await assert.rejects(check(repo), unavailable(true));
    });
    await withFailingReads(dir, seed, /^snapshots\//, 'transient', async (repo) => {
      await assert.rejects(check(repo), unavailable(true));
    });
    await withFailingReads(dir, seed, /^data\//, 'permanent', async (repo) => {
      // A store that refuses for good (credentials, a deleted bucket) is unavailable but not worth retrying.
      await assert.rejects(restore(repo, { snapshotId: 'latest', targetDir: join(dir, 'out2') }), unavailable(false));
    });
  });
});

test('a flipped byte is still REPO_INTEGRITY (not retryable), and a missing pack is a check finding', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const mem = new MemBackend();
    const repo = await testRepo(mem);
    await backup(repo, { sourceDir: await source(dir, seed), workers: 1 });
    const packs: { key: string; size: number }[] = [];
    for await (const o of mem.list('data/')) packs.push(o);
    const big = packs.reduce((a, b) => (a.size >= b.size ? a : b));
    const bytes = await mem.get(big.key);
    bytes[100] ^= 0x01;
    await mem.put(big.key, bytes);
    const opened = await openRepository(mem, { passphrase: 'test' });
    await assert.rejects(restore(opened, { snapshotId: 'latest', targetDir: join(dir, 'out') }), (e: unknown) => {
      assert.deepEqual(errorOutcome(e), { code: 'REPO_INTEGRITY', retryable: false });
      return true;
    });
    const c = await check(opened, { readData: true });
    assert.equal(c.ok, false);
    assert.ok(c.errors.some((e) => e.kind === 'blob-corrupt'), JSON.stringify(c.errors));
    await mem.delete(big.key);
    const c2 = await check(opened, { readData: true });
    assert.ok(c2.errors.some((e) => e.kind === 'pack-missing'), JSON.stringify(c2.errors));
  });
});
