import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRepoError } from '../repo/index.js';
import { exists, makePath, makeWorkDir, moveInto, openPath, openRoot, removeTree } from './restore-target.js';

async function withDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-target-'));
  try {
    await f(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('makePath creates what is missing, accepts what exists, and refuses a symlink at any depth', async () => {
  await withDir(async (dir) => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await mkdir(join(dir, 'vol', 'a'), { recursive: true });
    const root = openRoot(join(dir, 'vol'));
    try {
      makePath(root, ['a', 'b', 'c']).close();
      makePath(root, ['a', 'b', 'c']).close();
      assert.ok(exists(openPath(root, ['a', 'b'])!, Buffer.from('c')));
      await symlink(outside, join(dir, 'vol', 'a', 'b', 'c', 'ln'));
      assert.throws(() => makePath(root, ['a', 'b', 'c', 'ln', 'x']), (e: unknown) => isRepoError(e, 'REPO_UNSAFE_PATH') && /\/a\/b\/c\/ln is a symlink/.test((e as Error).message));
      assert.throws(() => openPath(root, ['a', 'b', 'c', 'ln']), (e: unknown) => isRepoError(e, 'REPO_UNSAFE_PATH'));
      assert.equal(openPath(root, ['nope']), undefined);
      assert.deepEqual(await readdir(outside), []);
    } finally {
      root.close();
    }
  });
});

test('moveInto never replaces: files and directories take the first free .restored name', async () => {
  await withDir(async (dir) => {
    await mkdir(join(dir, 'from', 'd'), { recursive: true });
    await mkdir(join(dir, 'to'));
    await writeFile(join(dir, 'from', 'f'), 'new');
    await writeFile(join(dir, 'to', 'f'), 'old');
    await writeFile(join(dir, 'to', 'f.restored'), 'older');
    await mkdir(join(dir, 'to', 'd'));
    const from = openRoot(join(dir, 'from'));
    const to = openRoot(join(dir, 'to'));
    try {
      assert.equal(moveInto(from, Buffer.from('f'), to, Buffer.from('f')).toString(), 'f.restored-2');
      assert.equal(moveInto(from, Buffer.from('d'), to, Buffer.from('d')).toString(), 'd.restored');
    } finally {
      from.close();
      to.close();
    }
    assert.equal(await readFile(join(dir, 'to', 'f'), 'utf8'), 'old');
    assert.equal(await readFile(join(dir, 'to', 'f.restored-2'), 'utf8'), 'new');
    assert.deepEqual(await readdir(join(dir, 'from')), []);
  });
});

test('removeTree removes read-only directories and trees deeper than PATH_MAX, never following a symlink', async () => {
  await withDir(async (dir) => {
    const outside = join(dir, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'keep'), 'x');
    const root = openRoot(dir);
    try {
      const work = makeWorkDir(root, Buffer.from('.cbs-rwork'), 0o700);
      let d = work;
      for (let i = 0; i < 30; i++) {
        const next = makePath(d, ['d'.repeat(200)]);
        if (d !== work) d.close();
        d = next;
      }
      d.close();
      work.close();
      await symlink(outside, join(dir, '.cbs-rwork', 'ln'));
      await chmod(join(dir, '.cbs-rwork'), 0o500);
      removeTree(root, Buffer.from('.cbs-rwork'));
      assert.equal(exists(root, Buffer.from('.cbs-rwork')), false);
      assert.deepEqual(await readdir(outside), ['keep']);
    } finally {
      root.close();
    }
  });
});
