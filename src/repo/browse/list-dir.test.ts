import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemBackend } from '../../storage/index.js';
import { backup } from '../backup/index.js';
import { isRepoError } from '../errors.js';
import { openRepository } from '../repository/index.js';
import { CountingBackend, testRepo } from '../testing/fixtures.js';
import { listDir, listDirPage } from './index.js';

test('listDir pages through a directory in name order with full paths, inodes and ms mtimes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-browse-'));
  try {
    await mkdir(join(dir, 'sub', 'deeper'), { recursive: true });
    for (let i = 0; i < 25; i++) await writeFile(join(dir, 'sub', `f${String(i).padStart(2, '0')}`), 'x'.repeat(i));
    const repo = await testRepo(new MemBackend());
    const { snapshot } = await backup(repo, { sourceDir: dir, workers: 1 });
    const root = await listDir(repo, snapshot.id, '/');
    assert.deepEqual(root.entries.map((e) => [e.name, e.path, e.type]), [['sub', '/sub', 'dir']]);
    const p1 = await listDir(repo, 'latest', '/sub', { limit: 10 });
    assert.equal(p1.total, 26);
    assert.equal(p1.nextOffset, 10);
    assert.deepEqual(p1.entries.map((e) => e.name), ['deeper', 'f00', 'f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07', 'f08']);
    const p3 = await listDir(repo, 'latest', 'sub/', { offset: 20, limit: 10 });
    assert.equal(p3.nextOffset, undefined);
    const f24 = p3.entries.find((e) => e.name === 'f24')!;
    const st = await stat(join(dir, 'sub', 'f24'));
    assert.deepEqual(f24, { inode: st.ino, name: 'f24', path: '/sub/f24', type: 'file', size: 24, mtime: Math.floor(st.mtimeMs) });
    await assert.rejects(listDir(repo, 'latest', '/nope'), (e: unknown) => isRepoError(e, 'REPO_PATH_NOT_FOUND'));
    await assert.rejects(listDir(repo, 'latest', '/sub/f01'), (e: unknown) => isRepoError(e, 'REPO_PATH_NOT_FOUND'));
    await assert.rejects(listDir(repo, 'ffff', '/'), (e: unknown) => isRepoError(e, 'REPO_SNAPSHOT_NOT_FOUND'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a page of a large directory loads its chunk index and the chunks it overlaps, not the directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-browse-big-'));
  try {
    const N = 5000;
    const names = Array.from({ length: N }, (_, i) => `e${String(i).padStart(5, '0')}`);
    await mkdir(join(dir, 'big'));
    for (const n of names) await writeFile(join(dir, 'big', n), '');
    const counting = new CountingBackend(new MemBackend());
    const repo = await testRepo(counting);
    const { summary } = await backup(repo, { sourceDir: dir, workers: 1 });
    assert.ok(summary.treeBlobsAdded >= 4, `the directory is chunked (${summary.treeBlobsAdded} tree blobs)`);
    // A fresh handle: nothing cached.
    const fresh = await openRepository(counting, { passphrase: 'test' });
    for (const offset of [0, 2500, N - 100]) {
      counting.reset();
      const page = await listDirPage(fresh, 'latest', '/big', { offset, limit: 100 });
      assert.deepEqual(page.entries.map((e) => e.name), names.slice(offset, offset + 100));
      assert.equal(page.total, N);
      // Root tree, chunk index, and at most two chunks (a page may straddle a boundary).
      assert.ok((counting.gets.get('data/') ?? 0) <= 4, `page at ${offset} read ${counting.gets.get('data/')} blobs`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
