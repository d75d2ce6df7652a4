import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DriverError, LocalFsDriver } from './local-fs-driver.js';

test('local-fs: subdirectories are volumes (not files, hidden or .cbs- work dirs); live listing never leaves the volume', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cbs-lfs-'));
  try {
    await mkdir(join(root, 'b', 'sub'), { recursive: true });
    await mkdir(join(root, 'a'));
    await mkdir(join(root, '.hidden'));
    await mkdir(join(root, '.cbs-restore-x'));
    await writeFile(join(root, 'file.txt'), 'x');
    await writeFile(join(root, 'b', 'f.txt'), 'hello');
    await mkdir(join(root, 'b', '.cbs-restore-t'));
    await symlink(root, join(root, 'b', 'escape'));
    const d = new LocalFsDriver(root);
    const vols = await d.discover();
    assert.deepEqual(vols.map((v) => v.name), ['a', 'b']);
    assert.ok(vols.every((v) => v.allocated > 0 && v.used >= 0 && v.used <= v.allocated));

    const list = await d.listLive('b', '/', { limit: 1000 });
    assert.deepEqual(list.entries.map((e) => [e.name, e.type]), [['escape', 'SYMLINK'], ['f.txt', 'FILE'], ['sub', 'DIRECTORY']]);
    assert.deepEqual([list.total, list.more], [3, false]);
    assert.equal(list.entries.find((e) => e.name === 'f.txt')!.size, 5);
    await assert.rejects(d.listLive('b', '/escape', { limit: 10 }), (e: unknown) => e instanceof DriverError && /outside/.test(e.message));
    await assert.rejects(d.listLive('b', '/nope', { limit: 10 }), (e: unknown) => e instanceof DriverError && e.code === 'VALIDATION_FAILED');
    await assert.rejects(d.volumeDir('gone'), (e: unknown) => e instanceof DriverError && e.code === 'VOLUME_NOT_FOUND' && !e.message.includes(root));
    await assert.rejects(d.volumeDir('file.txt'), (e: unknown) => e instanceof DriverError && e.code === 'VOLUME_NOT_FOUND');
    assert.throws(() => d.newVolumeDir('../x'), DriverError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('local-fs: a live directory pages in name order after a name, holding one page; total counts the directory', async () => {
  const root = await mkdtemp(join(tmpdir(), 'cbs-lfs-page-'));
  try {
    const names = Array.from({ length: 600 }, (_, i) => `n${String((i * 7919) % 600).padStart(5, '0')}`);
    await mkdir(join(root, 'v', '.cbs-restore-x'), { recursive: true });
    for (const n of names) await writeFile(join(root, 'v', n), '');
    const d = new LocalFsDriver(root);
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const p = await d.listLive('v', '/', { limit: 250, ...(after === undefined ? {} : { after }) });
      assert.equal(p.total, 600);
      seen.push(...p.entries.map((e) => e.name));
      if (!p.more) break;
      after = p.entries[p.entries.length - 1]!.name;
    }
    assert.deepEqual(seen, [...names].sort());
    assert.deepEqual((await d.listLive('v', '/', { after: 'n00598', limit: 5 })).entries.map((e) => e.name), ['n00599']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
