import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openJobStore } from './open.js';

const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('SQLite: the database, -wal and -shm are 0600 and directories made for the path 0700, even under a permissive umask; a loose database is tightened', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-sqlite-files-'));
  const old = process.umask(0o000);
  try {
    const db = join(dir, 'made', 'here', 'cbs.db');
    const store = await openJobStore({ url: `sqlite:${db}`, migrate: true });
    await store.setSetting('k', 'v');
    assert.equal(await mode(join(dir, 'made')), 0o700);
    assert.equal(await mode(join(dir, 'made', 'here')), 0o700);
    const files = (await readdir(join(dir, 'made', 'here'))).sort();
    assert.deepEqual(files, ['cbs.db', 'cbs.db-shm', 'cbs.db-wal']);
    for (const f of files) assert.equal(await mode(join(dir, 'made', 'here', f)), 0o600, f);
    await store.close();

    await chmod(db, 0o644);
    const again = await openJobStore({ url: `sqlite:${db}` });
    assert.equal(await mode(db), 0o600);
    assert.equal(await again.getSetting('k'), 'v');
    await again.close();
  } finally {
    process.umask(old);
    await rm(dir, { recursive: true, force: true });
  }
});
