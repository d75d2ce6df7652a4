import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CbsError } from '../errors/index.js';
import type { JobStore } from './job-store.js';
import { storeMatrix, type MatrixStore } from './testing/store-matrix.js';
import { seedTenant } from './testing/tenant-fixture.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isCode(code: string) {
  return (e: unknown) => e instanceof CbsError && e.code === code;
}

for (const m of storeMatrix()) {
  describe(`accounts, agents, working environments, volumes, settings (${m.name})`, () => {
    let ms: MatrixStore;
    let store: JobStore;
    before(async () => { ms = await m.open(); store = ms.store; });
    after(async () => { await ms.destroy(); });

    test('settings: set overwrites, initSetting keeps the first value', async () => {
      assert.equal(await store.getSetting('missing'), undefined);
      await store.setSetting('a', '1');
      await store.setSetting('a', '2');
      assert.equal(await store.getSetting('a'), '2');
      assert.equal(await store.initSetting('a', '3'), '2');
      assert.equal(await store.initSetting('b', 'x'), 'x');
      assert.equal(await store.getSetting('b'), 'x');
    });

    test('initSetting from several instances at once: all get the same, first value', async () => {
      const others = [await ms.openAnother(), await ms.openAnother()];
      const got = await Promise.all([store, ...others, store, ...others].map((s, i) => s.initSetting('kek', `value-${i}`)));
      assert.equal(new Set(got).size, 1);
      assert.equal(await store.getSetting('kek'), got[0]);
    });

    test('accounts: create, get, list; a taken id is CONFLICT', async () => {
      const a = await store.createAccount({ id: 'account-acc00001', name: 'One' }, 42);
      assert.deepEqual(a, { id: 'account-acc00001', name: 'One', createdAt: 42 });
      assert.deepEqual(await store.getAccount(a.id), a);
      assert.equal(await store.getAccount('account-nope0000'), undefined);
      await assert.rejects(store.createAccount({ id: a.id, name: 'Again' }), isCode('CONFLICT'));
      assert.ok((await store.listAccounts()).some((x) => x.id === a.id));
    });

    test('agents: create, get, touch; unknown account is VALIDATION_FAILED, taken id CONFLICT', async () => {
      await store.createAccount({ id: 'account-agt00001', name: 'Agents' }, 1);
      const ag = await store.createAgent({ id: 'Q8Lk2cclients', accountId: 'account-agt00001', name: 'edge', credentialHash: 'h1' }, 5);
      assert.deepEqual(ag, { id: 'Q8Lk2cclients', accountId: 'account-agt00001', name: 'edge', credentialHash: 'h1', createdAt: 5 });
      await store.touchAgent(ag.id, 99);
      assert.equal((await store.getAgent(ag.id))?.lastSeenAt, 99);
      assert.equal(await store.getAgent('unknownclients'), undefined);
      await assert.rejects(store.createAgent({ id: 'Xclients', accountId: 'account-none0000', name: 'x', credentialHash: 'h' }), (e) => {
        assert.ok(e instanceof CbsError);
        assert.equal(e.code, 'VALIDATION_FAILED');
        assert.doesNotMatch(e.message, /insert|select|values|"agents"/i, 'no SQL in messages');
        return true;
      });
      await assert.rejects(store.createAgent({ id: ag.id, accountId: 'account-agt00001', name: 'dup', credentialHash: 'h' }), isCode('CONFLICT'));
    });

    test('working environments: upsert keeps id and createdAt, updates fields, is scoped by account', async () => {
      const t = await seedTenant(store, { suffix: 'we000001', now: 10 });
      const again = await store.upsertWorkingEnvironment({ ...t.we, root: '/new/root', svm: 'svm1' }, 20);
      assert.equal(again.id, t.we.id);
      assert.equal(again.createdAt, 10);
      assert.equal(again.root, '/new/root');
      assert.equal(again.svm, 'svm1');
      assert.deepEqual(await store.getWorkingEnvironment(t.account.id, t.we.id), again);
      assert.deepEqual(await store.listWorkingEnvironments(t.account.id), [again]);

      const other = await seedTenant(store, { suffix: 'we000002' });
      assert.equal(await store.getWorkingEnvironment(other.account.id, t.we.id), undefined, 'other account sees nothing');
      assert.deepEqual((await store.listWorkingEnvironments(other.account.id)).map((w) => w.id), [other.we.id]);
      await assert.rejects(store.upsertWorkingEnvironment({ ...t.we, accountId: other.account.id, agentId: other.agent.id }), isCode('CONFLICT'));
      assert.deepEqual(await store.getWorkingEnvironment(t.account.id, t.we.id), again, 'the refused upsert changed nothing');

      const another = await ms.openAnother();
      const fresh = { ...t.we, id: 'LocalWorkingEnvironment-race0001' };
      const racers = await Promise.all([store, another, store, another].map((s) => s.upsertWorkingEnvironment(fresh, 30)));
      assert.ok(racers.every((w) => w.id === fresh.id && w.createdAt === 30), 'instances registering one WE at once all succeed');
    });

    test('volumes: ids are UUIDs, stable across upserts and instances, unique per WE and name', async () => {
      const t = await seedTenant(store, { suffix: 'vol00001', volumes: ['vol-a', 'vol-b'] });
      for (const v of t.volumes) assert.match(v.id, UUID);
      const another = await ms.openAnother();
      const racers = await Promise.all([store, another, store, another].map((s) => s.upsertVolume({ workingEnvironmentId: t.we.id, name: 'vol-c' })));
      assert.equal(new Set(racers.map((v) => v.id)).size, 1, 'concurrent upserts agree on one id');
      const a2 = await another.upsertVolume({ workingEnvironmentId: t.we.id, name: 'vol-a' });
      assert.deepEqual(a2, t.volumes[0]);
      const list = await store.listVolumes(t.we.id);
      assert.deepEqual(list.map((v) => v.name), ['vol-a', 'vol-b', 'vol-c']);
      const t2 = await seedTenant(store, { suffix: 'vol00002', volumes: ['vol-a'] });
      assert.notEqual(t2.volumes[0]!.id, t.volumes[0]!.id, 'same name in another WE is another volume');
    });
  });
}
