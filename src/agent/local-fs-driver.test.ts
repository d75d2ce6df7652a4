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

    const list = await d.listLive('b', '/');
    assert.deepEqual(list.map((e) => [e.name, e.type]), [['escape', 'SYMLINK'], ['f.txt', 'FILE'], ['sub', 'DIRECTORY']]);
    assert.equal(list.find((e) => e.name === 'f.txt')!.size, 5);
    await assert.rejects(d.listLive('b', '/escape'), (e: unknown) => e instanceof DriverError && /outside/.test(e.message));
    await assert.rejects(d.listLive('b', '/nope'), (e: unknown) => e instanceof DriverError && e.code === 'VALIDATION_FAILED');
    await assert.rejects(d.volumeDir('gone'), (e: unknown) => e instanceof DriverError && e.code === 'VOLUME_NOT_FOUND');
    await assert.rejects(d.volumeDir('file.txt'), (e: unknown) => e instanceof DriverError && e.code === 'VOLUME_NOT_FOUND');
    assert.throws(() => d.newVolumeDir('../x'), DriverError);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
