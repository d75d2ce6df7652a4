import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newAgentId } from '../auth/index.js';
import type { JobStore } from '../store/job-store.js';
import { storeMatrix } from '../store/testing/store-matrix.js';
import { AesGcmKeyVault, openKeyVault, rotateKek, SETTING_KEK, SETTING_KEK_CHECK } from './key-vault.js';

const kekOf = async (file: string): Promise<Buffer> => Buffer.from((await readFile(file, 'utf8')).trim(), 'base64');

/** Two activated backup targets (one with credentials) wrapped by `vault`; returns their plain values by WE. */
async function seedTargets(store: JobStore, vault: AesGcmKeyVault): Promise<Map<string, { key: Buffer; creds: string }>> {
  const accountId = 'account-kek00001';
  await store.createAccount({ id: accountId, name: 'k' });
  const agentId = newAgentId();
  await store.createAgent({ id: agentId, accountId, name: 'a', credentialHash: 'h' });
  const plain = new Map<string, { key: Buffer; creds: string }>();
  for (const n of [1, 2]) {
    const weId = `LocalWorkingEnvironment-kek${n}`;
    await store.upsertWorkingEnvironment({ id: weId, accountId, agentId, name: `w${n}`, svm: 'svm0', driver: 'local-fs', root: '/x' });
    const key = randomBytes(32);
    const creds = JSON.stringify({ 'secret-password': `s3-secret-${n}-${randomBytes(6).toString('hex')}` });
    plain.set(weId, { key, creds });
    await store.activateBackup({
      workingEnvironmentId: weId, accountId, provider: n === 1 ? 'LOCAL' : 'SGWS', bucket: 'b', location: 'local:/x',
      wrappedKey: vault.wrap(key), ...(n === 2 ? { wrappedCredentials: vault.wrap(Buffer.from(creds)) } : {}),
      options: {}, autoBackupEnabled: false, status: 'ACTIVATING', jobId: randomUUID(), createdAt: Date.now(),
    }, { accountId, workingEnvironmentId: weId, type: 'backup-working-environment', tasks: [] });
  }
  return plain;
}

for (const m of storeMatrix()) {
  describe(`key-encryption key in a file of its own (${m.name})`, () => {
    const withStore = async (f: (store: JobStore, dir: string) => Promise<void>): Promise<void> => {
      const { store, destroy } = await m.open();
      const dir = await mkdtemp(join(tmpdir(), 'cbs-kek-'));
      try { await f(store, dir); } finally { await destroy(); await rm(dir, { recursive: true, force: true }); }
    };

    test('an install that kept its KEK in the settings has it moved to the file; every wrapped value still opens', () => withStore(async (store, dir) => {
      const legacy = randomBytes(32);
      await store.setSetting(SETTING_KEK, legacy.toString('base64'));
      const plain = await seedTargets(store, new AesGcmKeyVault(legacy));
      const file = join(dir, 'kek');
      const vault = await openKeyVault(store, { kekFile: file });
      assert.deepEqual(await kekOf(file), legacy);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal(await store.getSetting(SETTING_KEK), undefined, 'the KEK is gone from the store');
      for (const w of await store.listWrappedSecrets()) assert.deepEqual(vault.unwrap(w.wrappedKey), plain.get(w.workingEnvironmentId)!.key);
    }));

    test('a store holding wrapped values refuses a missing or foreign KEK file', () => withStore(async (store, dir) => {
      const kek = randomBytes(32);
      await store.setSetting(SETTING_KEK, kek.toString('base64'));
      await seedTargets(store, new AesGcmKeyVault(kek));
      await openKeyVault(store, { kekFile: join(dir, 'kek') });
      await assert.rejects(openKeyVault(store, { kekFile: join(dir, 'elsewhere') }), /does not exist.*CBS_KEK_FILE/s);
      await assert.rejects(stat(join(dir, 'elsewhere')), /ENOENT/);
      // Even without the check value (lost), a key that does not open the store's values is refused.
      await store.deleteSetting(SETTING_KEK_CHECK);
      await rm(join(dir, 'kek'));
      await assert.rejects(openKeyVault(store, { kekFile: join(dir, 'kek') }), /does not exist/);
    }));

    test('rotation re-wraps every value with a new KEK in the file; the old KEK opens none of them', () => withStore(async (store, dir) => {
      const file = join(dir, 'kek');
      const before = await openKeyVault(store, { kekFile: file });
      const plain = await seedTargets(store, before);
      const oldKek = await kekOf(file);
      assert.equal(await rotateKek(store, { kekFile: file }), 3);
      const newKek = await kekOf(file);
      assert.notDeepEqual(newKek, oldKek);
      const after = await openKeyVault(store, { kekFile: file });
      const old = new AesGcmKeyVault(oldKek);
      for (const w of await store.listWrappedSecrets()) {
        const p = plain.get(w.workingEnvironmentId)!;
        assert.deepEqual(after.unwrap(w.wrappedKey), p.key);
        assert.equal(old.opens(w.wrappedKey), false);
        if (w.wrappedCredentials) assert.equal(after.unwrap(w.wrappedCredentials).toString(), p.creds);
      }
      await assert.rejects(stat(`${file}.new`), /ENOENT/);
    }));
  });
}
