import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { newAgentId } from '../../src/auth/index.js';

for (const m of storeMatrix()) {
  describe(`backup targets, backups and calls in the store (${m.name})`, () => {
    test('volume reports keep ids stable and mark unreported volumes missing; backups and calls round-trip', async () => {
      const { store, destroy } = await m.open();
      try {
        await store.createAccount({ id: 'account-pp000001', name: 'p' });
        const agentId = newAgentId();
        await store.createAgent({ id: agentId, accountId: 'account-pp000001', name: 'a', credentialHash: 'h' });
        await store.upsertWorkingEnvironment({ id: 'LocalWorkingEnvironment-p1', accountId: 'account-pp000001', agentId, name: 'w', svm: 'svm0', driver: 'local-fs', root: '/x' });
        const v1 = await store.reportVolumes('LocalWorkingEnvironment-p1', [{ name: 'a', allocated: 10, used: 5 }, { name: 'b', allocated: 10, used: 6 }]);
        const v2 = await store.reportVolumes('LocalWorkingEnvironment-p1', [{ name: 'a', allocated: 10, used: 7 }]);
        assert.deepEqual(v1.map((v) => v.id), v2.map((v) => v.id));
        const states = await store.listVolumeStates('LocalWorkingEnvironment-p1');
        const byId = new Map(states.map((s) => [s.volumeId, s]));
        assert.equal(byId.get(v2[0]!.id)!.status, 'online');
        assert.equal(byId.get(v2[0]!.id)!.used, 7);
        assert.equal(byId.get(v2[1]!.id)!.status, 'missing');

        const b = { id: 'snap1', accountId: 'account-pp000001', workingEnvironmentId: 'LocalWorkingEnvironment-p1', volumeId: v1[0]!.id, name: 'n', creationTime: 1000, size: 42, jobId: 'j' };
        await store.recordBackup(b);
        await store.recordBackup({ ...b, size: 99 });
        assert.deepEqual(await store.listBackups('account-pp000001', 'LocalWorkingEnvironment-p1', v1[0]!.id), [b]);
        assert.equal(await store.getBackup('account-other0', 'LocalWorkingEnvironment-p1', 'snap1'), undefined);

        const now = Date.now();
        await store.createAgentCall({ id: 'c1', accountId: 'account-pp000001', agentId, kind: 'k', payload: { x: 1 }, createdAt: now, expiresAt: now + 10_000 });
        const claimed = await store.claimAgentCalls(agentId, 5);
        assert.equal(claimed.length, 1);
        assert.deepEqual(await store.claimAgentCalls(agentId, 5), []);
        await store.finishAgentCall('c1', agentId, { result: { ok: true } });
        assert.deepEqual((await store.getAgentCall('c1'))!.result, { ok: true });
        await assert.rejects(store.finishAgentCall('c1', agentId, { result: 1 }), { code: 'TASK_NOT_FOUND' });
      } finally {
        await destroy();
      }
    });
  });
}
