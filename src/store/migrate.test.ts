import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MIGRATIONS } from './migrations/index.js';
import { storeMatrix } from './testing/store-matrix.js';

for (const m of storeMatrix()) {
  describe(`migrations (${m.name})`, () => {
    test('migrate is idempotent: a second run applies nothing and keeps the data', async () => {
      const { store, destroy } = await m.open();
      try {
        await store.setSetting('k', 'v');
        await store.migrate();
        await store.migrate();
        assert.equal(await store.getSetting('k'), 'v');
      } finally { await destroy(); }
    });

    test('instances migrating the same fresh database at once apply each migration once', async () => {
      const { store, openAnother, destroy } = await m.open({ migrate: false });
      try {
        const others = await Promise.all([openAnother(), openAnother(), openAnother()]);
        await Promise.all([store, ...others].map((s) => s.migrate()));
        // every table exists and works from every instance
        await others[0]!.createAccount({ id: 'account-00000001', name: 'a' });
        assert.equal((await store.listAccounts()).length, 1);
        // and the record shows each version exactly once
        const versions = await (store as unknown as { db: import('kysely').Kysely<import('./schema.js').Database> }).db
          .selectFrom('schema_migrations').select('version').orderBy('version').execute();
        assert.deepEqual(versions.map((v) => v.version), MIGRATIONS.map((x) => x.version));
      } finally { await destroy(); }
    });
  });
}
