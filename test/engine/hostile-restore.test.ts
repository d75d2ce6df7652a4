import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, readdir, rename, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MemBackend } from '../../src/storage/index.js';
import { isRepoError, restore, type Repository } from '../../src/repo/index.js';
import { saveSnapshot } from '../../src/repo/snapshot/index.js';
import { testRepo, withTempDir } from '../../src/repo/testing/fixtures.js';
import { sentinelListing } from '../../src/repo/testing/sentinel.js';

type Spec = { name: string; type: 'file'; data: string } | { name: string; type: 'dir'; children: Spec[] } | { name: string; type: 'symlink'; target: string };

const META = { mode: 0o644, uid: 0, gid: 0, mtime: '1700000000000000000', ctime: '1700000000000000000', inode: '1', dev: '1', nlink: 1 };

/** Writes trees exactly as given (no sorting, no name checks), as a hostile client could. */
async function craftTree(repo: Repository, specs: Spec[]): Promise<string> {
  const nodes: Record<string, unknown>[] = [];
  for (const s of specs) {
    if (s.type === 'file') {
      const { id } = await repo.saveBlob('data', Buffer.from(s.data));
      nodes.push({ ...META, name: s.name, type: 'file', size: s.data.length, content: s.data.length ? [id.toString('hex')] : [] });
    } else if (s.type === 'dir') {
      nodes.push({ ...META, mode: 0o755, name: s.name, type: 'dir', size: 0, subtree: await craftTree(repo, s.children) });
    } else {
      nodes.push({ ...META, name: s.name, type: 'symlink', size: 0, linkTarget: s.target });
    }
  }
  return (await repo.saveBlob('tree', Buffer.from(JSON.stringify({ nodes })))).id.toString('hex');
}

async function craft(repo: Repository, specs: Spec[]): Promise<string> {
  const tree = await craftTree(repo, specs);
  await repo.flush();
  return (await saveSnapshot(repo, { version: 1, time: new Date().toISOString(), hostname: 'evil', paths: ['/'], tree, tags: [] })).id;
}

async function listAll(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).sort();
}

/** Each case: a snapshot that tries to write outside the target. The restore must refuse and leave `outside` untouched. */
const ESCAPES: [string, (outside: string) => Spec[]][] = [
  ['a ".." entry', () => [{ name: '..', type: 'dir', children: [{ name: 'pwned', type: 'file', data: 'x' }] }]],
  ['a name with a slash', () => [{ name: '../pwned', type: 'file', data: 'x' }]],
  ['an absolute name', (o) => [{ name: `${o}/pwned`, type: 'file', data: 'x' }]],
  ['an empty name', () => [{ name: '', type: 'file', data: 'x' }]],
  ['a "." entry', () => [{ name: '.', type: 'dir', children: [{ name: 'pwned', type: 'file', data: 'x' }] }]],
  ['a NUL in a name', () => [{ name: 'a\0b', type: 'file', data: 'x' }]],
  ['a deep ".." entry', () => [{ name: 'ok', type: 'dir', children: [{ name: '..', type: 'dir', children: [{ name: '..', type: 'file', data: 'x' }] }] }]],
  ['a symlink and a dir of the same name', (o) => [
    { name: 'esc', type: 'symlink', target: o },
    { name: 'esc', type: 'dir', children: [{ name: 'pwned', type: 'file', data: 'x' }] },
  ]],
  ['a dir then a symlink of the same name', (o) => [
    { name: 'esc', type: 'dir', children: [{ name: 'pwned', type: 'file', data: 'x' }] },
    { name: 'esc', type: 'symlink', target: o },
  ]],
];

for (const [what, make] of ESCAPES) {
  test(`restore refuses a snapshot with ${what} and writes nothing outside the target`, async () => {
    await withTempDir(async (dir) => {
      const outside = join(dir, 'outside');
      await mkdir(outside);
      await writeFile(join(outside, 'keep'), 'original');
      const repo = await testRepo(new MemBackend());
      const snap = await craft(repo, make(outside));
      const target = join(dir, 'target');
      await assert.rejects(restore(repo, { snapshotId: snap, targetDir: target }), (e: unknown) => isRepoError(e, 'REPO_UNSAFE_PATH'));
      assert.deepEqual(await listAll(outside), ['keep']);
      assert.deepEqual(await listAll(dir), ['outside', 'outside/keep'], 'nothing was created anywhere');
    });
  });
}

test('restore never descends through a symlink already present in the target', async () => {
  await withTempDir(async (dir) => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const target = join(dir, 'target');
    await mkdir(target);
    await symlink(outside, join(target, 'sub'));
    const repo = await testRepo(new MemBackend());
    const snap = await craft(repo, [{ name: 'sub', type: 'dir', children: [{ name: 'pwned', type: 'file', data: 'x' }] }]);
    await assert.rejects(restore(repo, { snapshotId: snap, targetDir: target }), (e: unknown) => isRepoError(e, 'REPO_UNSAFE_PATH'));
    assert.deepEqual(await listAll(outside), []);
    // With overwrite the symlink itself is replaced by a real directory; the outside stays untouched.
    await restore(repo, { snapshotId: snap, targetDir: target, overwrite: true });
    assert.deepEqual(await listAll(outside), []);
    assert.ok((await lstat(join(target, 'sub'))).isDirectory());
    assert.equal(await readFile(join(target, 'sub', 'pwned'), 'utf8'), 'x');
  });
});

test('restore never writes a file through a symlink already present at its path', async () => {
  await withTempDir(async (dir) => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'victim'), 'original');
    const target = join(dir, 'target');
    await mkdir(target);
    await symlink(join(outside, 'victim'), join(target, 'f'));
    const repo = await testRepo(new MemBackend());
    const snap = await craft(repo, [{ name: 'f', type: 'file', data: 'new content' }]);
    await assert.rejects(restore(repo, { snapshotId: snap, targetDir: target }), (e: unknown) => isRepoError(e, 'REPO_RESTORE_CONFLICT'));
    await restore(repo, { snapshotId: snap, targetDir: target, overwrite: true });
    assert.equal(await readFile(join(outside, 'victim'), 'utf8'), 'original');
    assert.equal(await readFile(join(target, 'f'), 'utf8'), 'new content');
    assert.ok((await lstat(join(target, 'f'))).isFile());
  });
});

test('a symlink in the snapshot is restored as a link and never followed by later entries', async () => {
  await withTempDir(async (dir) => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    const repo = await testRepo(new MemBackend());
    const snap = await craft(repo, [
      { name: 'a-link', type: 'symlink', target: outside },
      { name: 'b', type: 'dir', children: [{ name: 'f', type: 'file', data: 'in' }] },
    ]);
    const target = join(dir, 'target');
    await restore(repo, { snapshotId: snap, targetDir: target });
    assert.ok((await lstat(join(target, 'a-link'))).isSymbolicLink());
    assert.deepEqual(await listAll(outside), []);
  });
});

test('include paths with ".." are refused', async () => {
  await withTempDir(async (dir) => {
    const repo = await testRepo(new MemBackend());
    const snap = await craft(repo, [{ name: 'a', type: 'file', data: 'x' }]);
    await assert.rejects(restore(repo, { snapshotId: snap, targetDir: join(dir, 't'), include: ['/../a'] }), (e: unknown) => isRepoError(e, 'REPO_UNSAFE_PATH'));
  });
});

test('include restores only the chosen file and folder, with their ancestors', async () => {
  await withTempDir(async (dir) => {
    const repo = await testRepo(new MemBackend());
    const snap = await craft(repo, [
      { name: 'a', type: 'dir', children: [{ name: 'keep', type: 'file', data: '1' }, { name: 'skip', type: 'file', data: '2' }] },
      { name: 'b', type: 'dir', children: [{ name: 'c', type: 'dir', children: [{ name: 'd', type: 'file', data: '3' }] }] },
      { name: 'e', type: 'file', data: '4' },
    ]);
    const target = join(dir, 't');
    await restore(repo, { snapshotId: snap, targetDir: target, include: ['/a/keep', 'b/c/'] });
    assert.deepEqual(await listAll(target), ['a', 'a/keep', 'b', 'b/c', 'b/c/d']);
    await assert.rejects(restore(repo, { snapshotId: snap, targetDir: join(dir, 't2'), include: ['/nope'] }), (e: unknown) => isRepoError(e, 'REPO_PATH_NOT_FOUND'));
  });
});

/**
 * Symlinks swapped in while a restore runs (at its hooks, not after a delay): a
 * directory the restore created is moved aside and replaced by a symlink to a
 * sentinel directory outside. Whether the restore then meets the symlink (and fails
 * with REPO_UNSAFE_PATH) or keeps writing into the directory it holds (now moved
 * aside, still inside the target), nothing outside changes.
 */
for (const [when, many] of [['afterDirs', false], ['afterDirs', true], ['afterData', false], ['afterData', true]] as const) {
  test(`a symlink swapped in ${when === 'afterDirs' ? 'before any file is written' : 'before links, symlinks and metadata'}${many ? ' (descriptor cache overflowing)' : ''} leads nothing outside`, async () => {
    await withTempDir(async (dir) => {
      const outside = join(dir, 'outside');
      await mkdir(join(outside, 'deep'), { recursive: true });
      await writeFile(join(outside, 'deep', 'keep'), 'original');
      const before = await sentinelListing(outside);
      const repo = await testRepo(new MemBackend());
      // Enough sibling directories (many) that the victim's descriptor is evicted and must be reopened.
      const fillers: Spec[] = many ? Array.from({ length: 300 }, (_, i) => ({ name: `z${String(i).padStart(3, '0')}`, type: 'dir' as const, children: [{ name: 'f', type: 'file' as const, data: `${i}` }] })) : [];
      const snap = await craft(repo, [
        { name: 'a', type: 'dir', children: [
          { name: 'deep', type: 'dir', children: [{ name: 'keep', type: 'file', data: 'pwned' }, { name: 'new', type: 'file', data: 'pwned' }] },
          { name: 'ln', type: 'symlink', target: 'x' },
        ] },
        ...fillers,
      ]);
      const target = join(dir, 'target');
      const swap = async (): Promise<void> => {
        await rename(join(target, 'a'), join(target, 'a-moved'));
        await symlink(outside, join(target, 'a'));
      };
      let failed: unknown;
      try {
        await restore(repo, { snapshotId: snap, targetDir: target, workers: 1, hooks: { [when]: swap } });
      } catch (e) {
        failed = e;
      }
      if (failed !== undefined) assert.ok(isRepoError(failed, 'REPO_UNSAFE_PATH'), String(failed));
      assert.deepEqual(await sentinelListing(outside), before, 'nothing outside the target changed');
      assert.equal(await readFile(join(outside, 'deep', 'keep'), 'utf8'), 'original');
    });
  });
}
