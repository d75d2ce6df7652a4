import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { backup, check, forget, initRepository, openRepository, prune, Repository, restore } from '../../src/repo/index.js';
import { MemBackend } from '../../src/storage/index.js';
import { comparableTree } from '../../src/testing/trees.js';

const PASSWORD = 'prune-chunked';

/**
 * A directory large enough to be stored as chunks plus a chunk index (FORMAT.md §8.3):
 * prune's mark step must follow the index to its chunks and keep them, or the kept
 * snapshot would lose the directory's listing.
 */
test('prune keeps the chunks of a large directory that a kept snapshot lists', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-chunked-'));
  try {
    const mem = new MemBackend();
    const init = await initRepository(mem, { passphrase: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });
    const repo = new Repository(mem, { ...init.config, packSize: 64 * 1024 }, init.master);
    const src = join(dir, 'src');
    const big = join(src, 'big');
    await mkdir(big, { recursive: true });
    for (let i = 0; i < 5000; i++) await writeFile(join(big, `entry-${String(i).padStart(5, '0')}`), `v1 ${i}\n`);
    const first = await backup(repo, { sourceDir: src, workers: 1 });
    for (let i = 0; i < 5000; i += 7) await writeFile(join(big, `entry-${String(i).padStart(5, '0')}`), `v2 ${i} changed\n`);
    await writeFile(join(big, 'added-late'), 'new\n');
    const second = await backup(repo, { sourceDir: src, workers: 1 });
    const want = await comparableTree(src);

    await forget(repo, [first.snapshot.id]);
    const report = await prune(repo, { maxUnused: 0 });
    assert.ok(report.bytesReclaimed > 0, 'the forgotten snapshot left data to reclaim');

    const after = await openRepository(mem, { passphrase: PASSWORD });
    assert.deepEqual((await check(after, { readData: true, workers: 1 })).errors, []);
    const out = join(dir, 'out');
    await restore(after, { snapshotId: second.snapshot.id, targetDir: out, workers: 1 });
    assert.deepEqual(await comparableTree(out), want);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
