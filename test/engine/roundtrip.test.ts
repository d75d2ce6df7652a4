import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { LocalBackend } from '../../src/storage/index.js';
import { backup, check, listDir, openRepository, restore } from '../../src/repo/index.js';
import { CountingBackend, TEST_SCRYPT, testRepo, withTempDir } from '../../src/repo/testing/fixtures.js';
import { SeededRandom, testSeed } from '../../src/testing/seeded-random.js';
import { describeTree, diffTrees, variedTree } from '../../src/testing/trees.js';

test('a random tree survives backup → restore with bytes and metadata equal', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (rerun with CBS_TEST_SEED=${seed})`);
  await withTempDir(async (dir) => {
    const src = join(dir, 'src');
    await variedTree(src, new SeededRandom(seed), { smallFiles: 1500, bigFiles: [9 * 1024 * 1024 + 17, 3 * 1024 * 1024] });
    const backend = new CountingBackend(new LocalBackend(join(dir, 'bucket')));
    const repo = await testRepo(backend);
    const { snapshot, summary } = await backup(repo, { sourceDir: src });
    assert.deepEqual(summary.errors, [], `seed ${seed}`);
    // Reopen from storage alone, as a disaster-recovery restore would.
    const repo2 = await openRepository(backend, { passphrase: 'test' });
    const out = join(dir, 'out');
    const r = await restore(repo2, { snapshotId: snapshot.id.slice(0, 10), targetDir: out });
    assert.ok(r.hardlinks >= 2, 'hard links restored as links');
    assert.deepEqual(diffTrees(await describeTree(src), await describeTree(out)), [], `seed ${seed}`);
    const c = await check(repo2, { readData: true });
    assert.deepEqual(c.errors, []);
    assert.ok(c.ok);
    const top = await listDir(repo2, 'latest', '/');
    assert.ok(top.entries.some((e) => e.name === 'empty' && e.type === 'file' && e.size === 0 && e.path === '/empty'));
  });
});

test('incremental backup reads only changed files and restores the new state', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const rng = new SeededRandom(seed);
    const src = join(dir, 'src');
    await variedTree(src, rng, { smallFiles: 300, bigFiles: [] });
    const backend = new CountingBackend(new LocalBackend(join(dir, 'bucket')));
    const repo = await testRepo(backend);
    await backup(repo, { sourceDir: src });
    await writeFile(join(src, 'd0', 'changed.bin'), rng.bytes(100000));
    await mkdir(join(src, 'newdir'));
    await writeFile(join(src, 'newdir', 'n'), 'new');
    const { summary, snapshot } = await backup(repo, { sourceDir: src, parent: 'latest' });
    assert.equal(summary.filesNew, 2);
    assert.ok(summary.filesUnmodified > 300, `unmodified ${summary.filesUnmodified}`);
    assert.equal(summary.bytesRead, 100003);
    const out = join(dir, 'out');
    await restore(repo, { snapshotId: snapshot.id, targetDir: out });
    assert.deepEqual(diffTrees(await describeTree(src), await describeTree(out)), []);
  });
});

test('a repository opened with a key export restores without the passphrase', async () => {
  await withTempDir(async (dir) => {
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'a'), 'alpha');
    const backend = new LocalBackend(join(dir, 'bucket'));
    const repo = await testRepo(backend);
    await backup(repo, { sourceDir: src });
    const { exportKey } = await import('../../src/repo/index.js');
    const exported = exportKey(repo);
    const again = await openRepository(backend, { keyExport: exported });
    await restore(again, { snapshotId: 'latest', targetDir: join(dir, 'out') });
    assert.deepEqual(diffTrees(await describeTree(src), await describeTree(join(dir, 'out'))), []);
    void TEST_SCRYPT;
  });
});

test('restoring one small file reads only its blob, not whole packs', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const rng = new SeededRandom(seed);
    const src = join(dir, 'src');
    await mkdir(src);
    await writeFile(join(src, 'big'), rng.bytes(12 * 1024 * 1024));
    await writeFile(join(src, 'small'), 'just this');
    const backend = new CountingBackend(new LocalBackend(join(dir, 'bucket')));
    const repo = await testRepo(backend);
    await backup(repo, { sourceDir: src });
    const r = await restore(repo, { snapshotId: 'latest', targetDir: join(dir, 'out'), include: ['/small'] });
    assert.equal(r.files, 1);
    assert.ok(r.bytesFetched < 1024, `fetched ${r.bytesFetched} bytes`);
    const { readFile, readdir } = await import('node:fs/promises');
    assert.equal(await readFile(join(dir, 'out', 'small'), 'utf8'), 'just this');
    assert.deepEqual(await readdir(join(dir, 'out')), ['small']);
  });
});
