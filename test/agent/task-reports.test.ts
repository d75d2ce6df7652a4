import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness, type Tenant } from '../helpers/api-harness.js';

const SNAP = 'ab'.repeat(32);

/** A registered, activated WE of tenant A with volumes v1, v2. */
async function activated(h: ApiHarness) {
  const we = await h.register(h.a, 'site', ['v1', 'v2']);
  await h.activate(h.a, we.id);
  return { we, v1: we.volumes.find((v) => v.name === 'v1')!, v2: we.volumes.find((v) => v.name === 'v2')! };
}

async function claim(h: ApiHarness, t: Tenant): Promise<any> {
  return (await h.app.inject({ method: 'POST', url: '/agent/v1/tasks/claim?wait=0', headers: h.agentHeaders(t) })).json().task;
}

function report(h: ApiHarness, t: Tenant, taskId: string, what: 'complete' | 'fail' | 'heartbeat', body: object) {
  return h.app.inject({ method: 'POST', url: `/agent/v1/tasks/${taskId}/${what}`, headers: h.agentHeaders(t), payload: body });
}

for (const m of storeMatrix()) {
  describe(`task reports (${m.name})`, () => {
    test('a complete without the lease is 409 and records nothing; a malformed result is 400 and records nothing; others\' tasks are 404', async () => {
      const { store, destroy } = await m.open();
      try {
        const h = await apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets' } });
        const { we, v1 } = await activated(h);
        const bn = await h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: h.headers(h.a), payload: { mode: 'AD_HOC', 'adhoc-backup-details': { name: 'b1' } } });
        assert.equal(bn.statusCode, 202, bn.body);
        const task = await claim(h, h.a);
        const good = { snapshotId: SNAP, creationTime: 1_700_000_000_000, size: 10, files: 1 };

        for (const forged of [{ ...good, snapshotId: 'forged-snapshot-id' }, { ...good, snapshotId: 'cd'.repeat(32) }]) {
          const r = await report(h, h.a, task.id, 'complete', { leaseToken: 'not-the-lease', result: forged });
          assert.equal(r.statusCode, 409, r.body);
          assert.equal(r.json().code, 'LEASE_LOST');
        }
        for (const [field, bad] of [['snapshotId', 'forged-snapshot-id'], ['size', -1], ['creationTime', 'yesterday'], ['files', 1.5]] as const) {
          const r = await report(h, h.a, task.id, 'complete', { leaseToken: task.leaseToken, result: { ...good, [field]: bad } });
          assert.equal(r.statusCode, 400, r.body);
          assert.match(r.json().message, new RegExp(`result\\.${field}`));
        }
        const listed = async () => (await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/backup/working-environment/${we.id}/volume/${v1.id}/snapshot`, headers: h.headers(h.a) })).json().snapshot;
        assert.deepEqual(await listed(), [], 'no forged or malformed backup shows');
        assert.equal((await h.store.getTask(task.id))!.status, 'LEASED');

        // B's agent: the task is unknown to it, for a heartbeat as for a report.
        const unknown = await report(h, h.b, '00000000-0000-4000-8000-000000000000', 'heartbeat', { leaseToken: task.leaseToken });
        for (const what of ['heartbeat', 'complete', 'fail'] as const) {
          const r = await report(h, h.b, task.id, what, { leaseToken: task.leaseToken, ...(what === 'complete' ? { result: good } : what === 'fail' ? { error: 'x' } : {}) });
          assert.equal(r.statusCode, 404, `${what}: ${r.body}`);
          assert.deepEqual({ ...(r.json() as object), message: '' }, { ...(unknown.json() as object), message: '' });
        }

        const ok = await report(h, h.a, task.id, 'complete', { leaseToken: task.leaseToken, result: { ...good, name: 'ignored', extra: 1 } });
        assert.equal(ok.json().jobStatus, 'COMPLETED', ok.body);
        assert.deepEqual((await listed()).map((s: any) => [s.id, s.name, s.size]), [[SNAP, 'b1', 10]]);
        assert.deepEqual((await h.store.getTask(task.id))!.result, good, 'the stored result is the validated one');
      } finally {
        await destroy();
      }
    });

    test('a backup that could not read some items completes with the count and paths in the job, its entry still SUCCESS', async () => {
      const { store, destroy } = await m.open();
      try {
        const h = await apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets' } });
        const { we, v1, v2 } = await activated(h);
        const r = await h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v2/backup/working-environment/${we.id}/volume`, headers: h.headers(h.a), payload: { volume: [{ 'volume-id': v1.id }, { 'volume-id': v2.id }] } });
        const jobId = r.json()['job-id'];
        const t1 = await claim(h, h.a);
        const t2 = await claim(h, h.a);
        const skipped = { count: 12, paths: ['/locked/a', '/locked/b'] };
        await report(h, h.a, t1.id, 'complete', { leaseToken: t1.leaseToken, result: { snapshotId: SNAP, creationTime: 1, size: 1, files: 1, skipped } });
        await report(h, h.a, t2.id, 'complete', { leaseToken: t2.leaseToken, result: { snapshotId: 'cd'.repeat(32), creationTime: 1, size: 1, files: 1, skipped: { count: 0, paths: [] } } });
        const job = (await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job/${jobId}`, headers: h.headers(h.a) })).json().job[0];
        assert.equal(job.status, 'COMPLETED');
        assert.equal(job['skipped-count'], 12);
        assert.match(job.error, /^1 of 2 volumes completed with warnings: v1 \([^)]+\): 12 items could not be read: \/locked\/a, \/locked\/b, …$/);
        const [e1, e2] = job.data['multi-volume-backup'].volume;
        assert.deepEqual([e1.status, e1['skipped-count'], e1['skipped-paths'], e1.error], ['SUCCESS', 12, skipped.paths, '12 items could not be read: /locked/a, /locked/b, …']);
        assert.deepEqual([e2.status, e2['skipped-count'], e2.error], ['SUCCESS', undefined, '']);
      } finally {
        await destroy();
      }
    });

    test('an activation whose init task runs out of lease leaves the target FAILED, in the sweep that fails it; activating again works', async () => {
      const { store, destroy } = await m.open();
      try {
        const h = await apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets', maxAttempts: 1 } });
        const we = await h.register(h.a, 'site', ['v1']);
        const act = () => h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v3/backup/working-environment/${we.id}`, headers: h.headers(h.a), payload: { provider: 'LOCAL', bucket: 'bucket1' } });
        assert.equal((await act()).statusCode, 202);
        const t = await claim(h, h.a);
        assert.equal((await h.store.getBackupTarget(h.a.accountId, we.id))!.status, 'ACTIVATING');
        await h.store.expireLeases(Date.now() + 3_600_000);
        assert.equal((await h.store.getBackupTarget(h.a.accountId, we.id))!.status, 'FAILED');
        const late = await report(h, h.a, t.id, 'complete', { leaseToken: t.leaseToken, result: { repositoryId: 'ab'.repeat(32) } });
        assert.equal(late.statusCode, 409);
        assert.equal((await h.store.getBackupTarget(h.a.accountId, we.id))!.status, 'FAILED', 'a late report changes nothing');
        assert.equal((await act()).statusCode, 202, 'a failed activation is replaced');
      } finally {
        await destroy();
      }
    });

    test('a volume restore to a name the service hides is a 400 naming the field; a restored volume has its id when the job is done', async () => {
      const { store, destroy } = await m.open();
      try {
        const h = await apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets' } });
        const { we, v1 } = await activated(h);
        await h.store.recordBackup({ id: SNAP, accountId: h.a.accountId, workingEnvironmentId: we.id, volumeId: v1.id, name: 'b1', creationTime: 1, size: 10, jobId: 'j' });
        const restore = (name: string) => h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v3/restore`, headers: h.headers(h.a), payload: { restore: {
          type: 'volume',
          source: { 'working-environment-id': we.id, 'working-environment-name': 'site', bucket: 'bucket1', 'volume-name': 'v1', 'volume-id': v1.id, snapshot: 'b1' },
          target: { 'working-environment-id': we.id, 'working-environment-name': 'site', svm: 'svm0', 'volume-name': name },
        } } });
        for (const name of ['.hidden', '.cbs-x']) {
          const r = await restore(name);
          assert.equal(r.statusCode, 400, r.body);
          assert.match(r.json().message, /restore\.target\.volume-name/);
        }
        const ok = await restore('copy');
        assert.equal(ok.statusCode, 202, ok.body);
        const t = await claim(h, h.a);
        assert.deepEqual(t.payload, { sourceWeId: we.id, sourceVolumeId: v1.id, snapshotId: SNAP, targetWeId: we.id, targetVolumeName: 'copy', retainSourcePath: false });
        const done = await report(h, h.a, t.id, 'complete', { leaseToken: t.leaseToken, result: { files: 1, bytes: 10, path: '/srv/site/copy' } });
        assert.equal(done.json().jobStatus, 'COMPLETED');
        assert.ok((await h.store.listVolumes(we.id)).some((v) => v.name === 'copy'));
        assert.deepEqual((await h.store.getTask(t.id))!.result, { files: 1, bytes: 10 }, 'agent paths are not kept');
      } finally {
        await destroy();
      }
    });

    test('a task error keeps its message with the agent\'s paths made volume-relative or named', async () => {
      const { store, destroy } = await m.open();
      try {
        const h = await apiHarness(store, { operations: { bucketsRoot: '/tmp/cbs-test-buckets' } });
        const { we, v1 } = await activated(h);
        const bn = await h.app.inject({ method: 'POST', url: `${h.prefix(h.a.accountId)}/v3/backup/working-environment/${we.id}/volume/${v1.id}`, headers: h.headers(h.a), payload: { mode: 'AD_HOC' } });
        const t = await claim(h, h.a);
        const error = "EACCES: permission denied, open '/srv/site/v1/secret/a.txt' (work dir /srv/site/v1/.cbs-restore-x/b, bucket /tmp/cbs-test-buckets/bucket1/keys/k, root /srv/site)";
        await report(h, h.a, t.id, 'fail', { leaseToken: t.leaseToken, error });
        const job = (await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job/${bn.json()['job-id']}`, headers: h.headers(h.a) })).json().job[0];
        assert.equal(job.status, 'FAILED');
        assert.ok(job.error.endsWith(": EACCES: permission denied, open '/secret/a.txt' (work dir /b, bucket <bucket>/keys/k, root <working environment>)"), job.error);
      } finally {
        await destroy();
      }
    });
  });
}
