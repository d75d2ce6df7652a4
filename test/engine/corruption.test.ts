import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/storage/index.js';
import { backup, check, isRepoError, openRepository, restore, type Repository } from '../../src/repo/index.js';
import { testRepo, withTempDir } from '../../src/repo/testing/fixtures.js';
import { SeededRandom, testSeed } from '../../src/testing/seeded-random.js';

async function setup(dir: string, seed: number): Promise<{ repo: Repository; bucket: string; src: string }> {
  const rng = new SeededRandom(seed);
  const src = join(dir, 'src');
  await mkdir(src);
  await writeFile(join(src, 'big'), rng.bytes(3 * 1024 * 1024));
  await writeFile(join(src, 'small'), 'small file');
  const bucket = join(dir, 'bucket');
  const repo = await testRepo(new LocalBackend(bucket));
  await backup(repo, { sourceDir: src });
  return { repo, bucket, src };
}

async function files(root: string, sub: string): Promise<string[]> {
  return (await readdir(join(root, sub), { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The data pack holding the largest blob: the one with file content. */
async function biggestPack(bucket: string): Promise<string> {
  const packs = await files(bucket, 'data');
  const sizes = await Promise.all(packs.map(async (p) => (await readFile(p)).length));
  return packs[sizes.indexOf(Math.max(...sizes))]!;
}

test('a flipped bit in a pack is found by check and stops restore, naming the blob and pack', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const { bucket } = await setup(dir, seed);
    const pack = await biggestPack(bucket);
    const bytes = await readFile(pack);
    bytes[1000] ^= 0x10;
    await writeFile(pack, bytes);
    const packId = pack.slice(pack.lastIndexOf('/') + 1);
    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'test' });
    const c = await check(repo, { readData: true });
    assert.equal(c.ok, false);
    assert.ok(c.errors.some((e) => e.kind === 'pack-corrupt' && e.object.includes(packId)), JSON.stringify(c.errors));
    assert.ok(c.errors.some((e) => e.kind === 'blob-corrupt' && e.object.includes(packId) && /^blob [0-9a-f]{64}/.test(e.object)), JSON.stringify(c.errors));
    const out = join(dir, 'out');
    await assert.rejects(restore(repo, { snapshotId: 'latest', targetDir: out }), (e: unknown) =>
      isRepoError(e, 'REPO_INTEGRITY') && e.message.includes(packId) && /blob [0-9a-f]{64}/.test(e.message));
  });
});

test('a deleted pack is found by check and restore fails loudly', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const { bucket } = await setup(dir, seed);
    const pack = await biggestPack(bucket);
    const { rm } = await import('node:fs/promises');
    await rm(pack);
    const packId = pack.slice(pack.lastIndexOf('/') + 1);
    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'test' });
    const c = await check(repo);
    assert.deepEqual(c.errors.map((e) => [e.kind, e.object]), [['pack-missing', `data/${packId.slice(0, 2)}/${packId}`]]);
    await assert.rejects(restore(repo, { snapshotId: 'latest', targetDir: join(dir, 'out') }), (e: unknown) => isRepoError(e, 'REPO_INTEGRITY') && e.message.includes(packId));
  });
});

test('a truncated index object is named by check and refuses to open', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const { bucket } = await setup(dir, seed);
    const [idx] = await files(bucket, 'index');
    const bytes = await readFile(idx!);
    await writeFile(idx!, bytes.subarray(0, bytes.length - 7));
    const name = `index/${idx!.slice(idx!.lastIndexOf('/') + 1)}`;
    await assert.rejects(openRepository(new LocalBackend(bucket), { passphrase: 'test' }), (e: unknown) => isRepoError(e, 'REPO_INTEGRITY') && e.message.includes(name));
    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'test', skipIndex: true });
    const c = await check(repo);
    assert.equal(c.ok, false);
    assert.ok(c.errors.some((e) => e.kind === 'index-unreadable' && e.object === name), JSON.stringify(c.errors));
    // With the index gone, every snapshot's blobs are reported missing rather than trusted.
    assert.ok(c.errors.some((e) => e.kind === 'blob-missing'));
  });
});

test('a wrong passphrase is refused with REPO_WRONG_KEY', async () => {
  await withTempDir(async (dir) => {
    const { bucket } = await setup(dir, 1);
    await assert.rejects(openRepository(new LocalBackend(bucket), { passphrase: 'nope' }), (e: unknown) => isRepoError(e, 'REPO_WRONG_KEY'));
  });
});

test('a damaged snapshot is named by check and does not stop the next backup', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const { bucket, src } = await setup(dir, seed);
    const [snap] = await files(bucket, 'snapshots');
    const bytes = await readFile(snap!);
    bytes[bytes.length - 3] ^= 1;
    await writeFile(snap!, bytes);
    const id = snap!.slice(snap!.lastIndexOf('/') + 1);
    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'test' });
    const c = await check(repo);
    assert.deepEqual(c.errors.map((e) => [e.kind, e.object]), [['snapshot-unreadable', `snapshots/${id}`]]);
    const { listSnapshots } = await import('../../src/repo/index.js');
    await assert.rejects(listSnapshots(repo), (e: unknown) => isRepoError(e, 'REPO_INTEGRITY'));
    const skipped: string[] = [];
    assert.deepEqual(await listSnapshots(repo, (sid) => skipped.push(sid)), []);
    assert.deepEqual(skipped, [id]);
    const next = await backup(repo, { sourceDir: src, parent: 'latest' });
    assert.deepEqual(next.summary.errors.map((e) => e.path), [`snapshots/${id}`]);
    assert.equal(next.summary.filesNew, 2, 'no usable parent: everything counted new, nothing lost');
    assert.equal(next.summary.dataAdded, 0, 'but the data is already stored');
  });
});
