import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { storeMatrix } from '../../src/store/testing/store-matrix.js';
import { apiHarness, type ApiHarness } from '../helpers/api-harness.js';
import { assertSeedShape } from '../helpers/seed-schema.js';
import type { Job } from '../../src/store/model.js';

const LEASE = { leaseMs: 60_000 };

for (const m of storeMatrix()) {
  describe(`job API contract (${m.name})`, () => {
    let h: ApiHarness;
    let destroy: () => Promise<void>;
    before(async () => {
      const s = await m.open();
      destroy = s.destroy;
      h = await apiHarness(s.store);
    });
    after(async () => { await h.app.close(); await destroy(); });

    async function getJob(id: string) {
      const res = await h.app.inject({ method: 'GET', url: `${h.prefix(h.a.accountId)}/v1/job/${id}`, headers: h.headers(h.a) });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json() as { job: Array<Record<string, any>> };
      assertSeedShape(body);
      assert.ok(Array.isArray(body.job), 'job is always an array');
      assert.equal(body.job.length, 1);
      return body.job[0]!;
    }

    /** Claims every task of the agent and finishes them with the given outcome per task. */
    async function runTasks(agentId: string, outcome: (i: number) => { ok: true; result: Record<string, unknown> } | { ok: false; error: string }): Promise<Job> {
      let job: Job | undefined;
      for (let i = 0; ; i++) {
        const t = await h.store.claimTask(agentId, LEASE);
        if (!t) break;
        const o = outcome(i);
        job = o.ok
          ? await h.store.completeTask(t.id, agentId, t.leaseToken!, { result: o.result, ...(typeof o.result['snapshotId'] === 'string' ? { snapshotId: o.result['snapshotId'] } : {}) })
          : await h.store.failTask(t.id, agentId, t.leaseToken!, o.error);
      }
      assert.ok(job, 'there were tasks to run');
      return job;
    }

    it('multi-volume backup with one SUCCESS and one FAILED volume renders both entries and a FAILED job naming the failed volume', async () => {
      const volOk = await h.store.upsertVolume({ workingEnvironmentId: h.a.weId, name: 'vol_ok' });
      const volBad = await h.store.upsertVolume({ workingEnvironmentId: h.a.weId, name: 'vol_bad' });
      const t0 = Date.now();
      const created = await h.store.createJob({
        accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'multi-volume-backup',
        entries: [{ id: volOk.id, kind: 'volume' }, { id: volBad.id, kind: 'volume' }],
        tasks: [
          { agentId: h.a.agentId, kind: 'backup-volume', payload: { volumeId: volOk.id }, entryIndex: 0 },
          { agentId: h.a.agentId, kind: 'backup-volume', payload: { volumeId: volBad.id }, entryIndex: 1 },
        ],
      });
      const pending = await getJob(created.id);
      assert.equal(pending.status, 'PENDING');
      assert.equal(pending.error, '');
      assert.ok(pending.time >= t0 - 1000 && pending.time <= Date.now() + 1000, 'time is epoch milliseconds');
      assert.deepEqual(pending.data['multi-volume-backup'].volume.map((v: any) => v.status), ['PENDING', 'PENDING']);
      assert.equal(pending['start-time'], undefined);

      await runTasks(h.a.agentId, (i) => i === 0 ? { ok: true, result: { snapshotId: 'snap-1' } } : { ok: false, error: 'volume directory is unreadable' });
      const done = await getJob(created.id);
      assert.equal(done.id, created.id);
      assert.equal(done['working-environment-id'], h.a.weId);
      assert.equal(done.type, 'multi-volume-backup');
      assert.equal(done.status, 'FAILED');
      assert.match(done.error, /1 of 2/);
      assert.ok(done.error.includes(volBad.id) || done.error.includes('vol_bad'), `error names the failed volume: ${done.error}`);
      const vols = done.data['multi-volume-backup'].volume;
      assert.deepEqual(vols.map((v: any) => [v.id, v.status]), [[volOk.id, 'SUCCESS'], [volBad.id, 'FAILED']]);
      assert.equal(vols[0].error, '');
      assert.equal(vols[0]['snapshot-id'], 'snap-1');
      assert.match(vols[1].error, /unreadable/);
      assert.equal(typeof done['start-time'], 'number');
      assert.ok(done['end-time'] >= done['start-time']);
      assert.equal(done.data.restore, undefined);
    });

    it('volume restore renders full source and target and completes', async () => {
      const created = await h.store.createJob({
        accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'restore-volume',
        restore: {
          type: 'volume',
          source: { workingEnvironmentId: h.a.weId, workingEnvironmentName: 'we-A', bucket: 'netapp-backup-1', volumeId: 'vid-1', volumeName: 'vol1', snapshot: 'snap-9' },
          target: { workingEnvironmentId: h.a.weId, workingEnvironmentName: 'we-A', svm: 'svm0', volumeName: 'vol1_restore', volumeSize: 1073741824, path: '/' },
        },
        tasks: [{ agentId: h.a.agentId, kind: 'restore-volume', payload: {} }],
      });
      await runTasks(h.a.agentId, () => ({ ok: true, result: {} }));
      const j = await getJob(created.id);
      assert.equal(j.status, 'COMPLETED');
      assert.equal(j.error, '');
      assert.equal(j.data.restore.type, 'volume');
      assert.deepEqual(j.data.restore.source, {
        'working-environment-id': h.a.weId, 'working-environment-name': 'we-A', bucket: 'netapp-backup-1',
        'volume-id': 'vid-1', 'volume-name': 'vol1', snapshot: 'snap-9',
      });
      assert.deepEqual(j.data.restore.target, {
        'working-environment-id': h.a.weId, 'working-environment-name': 'we-A', svm: 'svm0',
        'volume-name': 'vol1_restore', 'volume-size': 1073741824, path: '/',
      });
      assert.equal(j.data.restore.batch, undefined, 'volume restores have no batches');
      assert.equal(j.data['multi-volume-backup'], undefined);
    });

    it('file restore shows every batch with its files while running and when done', async () => {
      const files = (n: number, base: number) => Array.from({ length: n }, (_, i) => ({
        inode: base + i, path: `/dir/f${base + i}.txt`, type: 'file', size: 100 * (i + 1), mtime: 1700000000000 + i,
      }));
      const created = await h.store.createJob({
        accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'restore-file',
        restore: {
          type: 'file',
          source: { workingEnvironmentId: h.a.weId, volumeId: 'vid-2', volumeName: 'vol2', snapshot: 'snap-2' },
          target: { workingEnvironmentId: h.a.weId, volumeName: 'vol2', path: '/restored' },
        },
        entries: [
          { id: 'batch-1', kind: 'batch', files: files(2, 10) },
          { id: 'batch-2', kind: 'batch', files: files(3, 20) },
          { id: 'batch-3', kind: 'batch', files: files(1, 30) },
        ],
        tasks: [0, 1, 2].map((i) => ({ agentId: h.a.agentId, kind: 'restore-batch', payload: {}, entryIndex: i })),
      });
      const t = (await h.store.claimTask(h.a.agentId, LEASE))!;
      const running = await getJob(created.id);
      assert.equal(running.status, 'IN_PROGRESS');
      assert.deepEqual(running.data.restore.batch.map((b: any) => b.status), ['IN_PROGRESS', 'PENDING', 'PENDING']);
      await h.store.completeTask(t.id, h.a.agentId, t.leaseToken!, { result: {} });
      await runTasks(h.a.agentId, (i) => i === 0 ? { ok: false, error: 'target path is not writable' } : { ok: true, result: {} });
      const j = await getJob(created.id);
      assert.equal(j.status, 'FAILED');
      assert.match(j.error, /batch-2/);
      const batches = j.data.restore.batch;
      assert.deepEqual(batches.map((b: any) => [b.id, b.status]), [['batch-1', 'SUCCESS'], ['batch-2', 'FAILED'], ['batch-3', 'SUCCESS']]);
      assert.deepEqual(batches.map((b: any) => b.file.length), [2, 3, 1]);
      assert.deepEqual(batches[1].file[2], { inode: 22, path: '/dir/f22.txt', type: 'file', size: 300, mtime: 1700000000002 });
      for (const b of batches) assert.equal(typeof b.time, 'number');
    });

    it('a job with no sub-operations has no data object', async () => {
      const created = await h.store.createJob({
        accountId: h.a.accountId, workingEnvironmentId: h.a.weId, type: 'backup-working-environment',
        tasks: [{ agentId: h.a.agentId, kind: 'activate', payload: {} }],
      });
      const j = await getJob(created.id);
      assert.equal(j.status, 'PENDING');
      assert.equal(j.data, undefined);
      assert.deepEqual(Object.keys(j).sort(), ['error', 'id', 'status', 'time', 'type', 'working-environment-id']);
      // consume the task so later listings are deterministic
      await runTasks(h.a.agentId, () => ({ ok: true, result: {} }));
    });
  });
}
