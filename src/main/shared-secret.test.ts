import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeMatrix } from '../store/testing/store-matrix.js';
import type { JobStore } from '../store/job-store.js';
import { checkValueOf, loadSharedSecret, pendingFileOf, replaceSharedSecret, type SharedSecretSpec } from './shared-secret.js';
import { PrivateFileError } from './private-files.js';

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

function spec(file: string, more: Partial<SharedSecretSpec> = {}): SharedSecretSpec {
  return { what: 'test secret', file, fileSetting: 'CBS_TEST_FILE', bytes: 32, legacySetting: 'test-secret', checkSetting: 'test-secret-check', ...more };
}

for (const m of storeMatrix()) {
  describe(`a secret shared through a file, checked by the store (${m.name})`, () => {
    const withStore = async (f: (store: JobStore, dir: string) => Promise<void>): Promise<void> => {
      const { store, destroy } = await m.open();
      const dir = await mkdtemp(join(tmpdir(), 'cbs-secret-'));
      try { await f(store, dir); } finally { await destroy(); await rm(dir, { recursive: true, force: true }); }
    };

    test('the first load creates the file 0600 in a 0700 directory; the store keeps only a check value', () => withStore(async (store, dir) => {
      const file = join(dir, 'sub', 'secret');
      const notes: string[] = [];
      const s = await loadSharedSecret(store, spec(file, { onNote: (n) => notes.push(n) }));
      assert.equal(s.length, 32);
      assert.equal(await modeOf(file), 0o600);
      assert.equal(await modeOf(join(dir, 'sub')), 0o700);
      assert.deepEqual(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'), s);
      assert.equal(await store.getSetting('test-secret'), undefined);
      assert.equal(await store.getSetting('test-secret-check'), checkValueOf(s, 'test-secret-check'));
      assert.ok(!(await store.getSetting('test-secret-check'))!.includes(s.toString('base64url')));
      assert.match(notes.join('\n'), /created in .*back it up/);
      assert.deepEqual(await loadSharedSecret(store, spec(file)), s, 'a later load reads the same secret');
    }));

    test('instances loading at once with one file agree on one secret', () => withStore(async (store, dir) => {
      const file = join(dir, 'secret');
      const all = await Promise.all(Array.from({ length: 4 }, () => loadSharedSecret(store, spec(file))));
      for (const s of all) assert.deepEqual(s, all[0]);
    }));

    test('a missing file is refused once the store was set up, and no new secret is made', () => withStore(async (store, dir) => {
      await loadSharedSecret(store, spec(join(dir, 'a')));
      await assert.rejects(loadSharedSecret(store, spec(join(dir, 'b'))), (e: Error) =>
        e instanceof PrivateFileError && /does not exist, but this store was set up/.test(e.message) && e.message.includes('CBS_TEST_FILE'));
      await assert.rejects(stat(join(dir, 'b')), /ENOENT/);
    }));

    test('a missing file is refused when the store holds values only an existing secret opens', () => withStore(async (store, dir) => {
      await assert.rejects(loadSharedSecret(store, spec(join(dir, 'a'), { inUse: async () => true })), /does not exist/);
      await assert.rejects(stat(join(dir, 'a')), /ENOENT/);
    }));

    test('another file than the store\'s is refused', () => withStore(async (store, dir) => {
      await loadSharedSecret(store, spec(join(dir, 'a')));
      await writeFile(join(dir, 'b'), randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(loadSharedSecret(store, spec(join(dir, 'b'))), /is not the one this store was set up with/);
    }));

    test('a file that does not open what the store holds is refused even before the store has a check value', () => withStore(async (store, dir) => {
      await writeFile(join(dir, 'a'), randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(loadSharedSecret(store, spec(join(dir, 'a'), { inUse: async () => true, opens: async () => false })), /is not the one/);
      assert.equal(await store.getSetting('test-secret-check'), undefined);
    }));

    test('a secret kept in the store\'s settings (earlier versions) is moved to the file and removed from the store', () => withStore(async (store, dir) => {
      const old = randomBytes(32);
      await store.setSetting('test-secret', old.toString('base64'));
      const file = join(dir, 'secret');
      const s = await loadSharedSecret(store, spec(file, { inUse: async () => true }));
      assert.deepEqual(s, old);
      assert.deepEqual(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'), old);
      assert.equal(await modeOf(file), 0o600);
      assert.equal(await store.getSetting('test-secret'), undefined);
      assert.deepEqual(await loadSharedSecret(store, spec(file)), old);
    }));

    test('a move interrupted after the file was written is finished by the next start', () => withStore(async (store, dir) => {
      const old = randomBytes(32);
      const file = join(dir, 'secret');
      await writeFile(file, old.toString('base64') + '\n', { mode: 0o600 });
      await store.setSetting('test-secret', old.toString('base64'));
      assert.deepEqual(await loadSharedSecret(store, spec(file)), old);
      assert.equal(await store.getSetting('test-secret'), undefined);
    }));

    test('a file that differs from the secret still in the settings is refused', () => withStore(async (store, dir) => {
      await store.setSetting('test-secret', randomBytes(32).toString('base64'));
      await writeFile(join(dir, 'secret'), randomBytes(32).toString('base64'), { mode: 0o600 });
      await assert.rejects(loadSharedSecret(store, spec(join(dir, 'secret'))), /differs from the test secret this store still holds/);
    }));

    test('a file readable by others is tightened to 0600, with a note; a malformed one is refused', () => withStore(async (store, dir) => {
      const file = join(dir, 'secret');
      const s = await loadSharedSecret(store, spec(file));
      await chmod(file, 0o644);
      const notes: string[] = [];
      assert.deepEqual(await loadSharedSecret(store, spec(file, { onNote: (n) => notes.push(n) })), s);
      assert.equal(await modeOf(file), 0o600);
      assert.match(notes.join('\n'), /mode 0644.*tightened to 0600/);
      await writeFile(file, 'not base64 at all!');
      await assert.rejects(loadSharedSecret(store, spec(file)), /does not hold 32 bytes in base64/);
    }));

    test('a replacement replaces file and check value; one interrupted after its commit is finished by the next load', () => withStore(async (store, dir) => {
      const file = join(dir, 'secret');
      const first = await loadSharedSecret(store, spec(file));
      const next = await replaceSharedSecret(spec(file), async (_n, check) => { await store.setSetting('test-secret-check', check); });
      assert.notDeepEqual(next, first);
      assert.deepEqual(await loadSharedSecret(store, spec(file)), next);
      await assert.rejects(stat(pendingFileOf(file)), /ENOENT/);

      // Crash between the store's commit and the rename: the store knows the new secret, the file is the old one.
      const crashed = randomBytes(32);
      await writeFile(pendingFileOf(file), crashed.toString('base64') + '\n', { mode: 0o600 });
      await store.setSetting('test-secret-check', checkValueOf(crashed, 'test-secret-check'));
      assert.deepEqual(await loadSharedSecret(store, spec(file)), crashed);
      assert.deepEqual(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64'), crashed);
    }));
  });
}
