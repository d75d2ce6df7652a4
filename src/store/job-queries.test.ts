import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CbsError } from '../errors/index.js';
import type { JobStore } from './job-store.js';
import type { Job, JobType, NewJob } from './model.js';
import { seededRandom, withSeed } from '../testing/seeded-random.js';
import { storeMatrix, type MatrixStore } from './testing/store-matrix.js';
import { seedTenant, type TenantFixture } from './testing/tenant-fixture.js';

const isCode = (code: string) => (e: unknown) => e instanceof CbsError && e.code === code;

function backupJob(t: TenantFixture, type: JobType = 'backup-volume'): NewJob {
  return {
    accountId: t.account.id, workingEnvironmentId: t.we.id, type,
    tasks: [{ agentId: t.agent.id, kind: 'backup-volume', payload: { volumeId: t.volumes[0]?.id ?? 'v' } }],
  };
}

for (const m of storeMatrix()) {
  describe(`job create, get, list (${m.name})`, () => {
    let ms: MatrixStore;
    let store: JobStore;
    let t: TenantFixture;
    let other: TenantFixture;
    before(async () => {
      ms = await m.open();
      store = ms.store;
      t = await seedTenant(store, { suffix: 'jobs0001', volumes: ['vol-a', 'vol-b'] });
      other = await seedTenant(store, { suffix: 'jobs0002', volumes: ['vol-x'] });
    });
    after(async () => { await ms.destroy(); });

    test('createJob returns the whole job: PENDING, entries in order with names, restore block', async () => {
      const restore = {
        type: 'file' as const,
        source: { workingEnvironmentId: t.we.id, volumeId: t.volumes[0]!.id, volumeName: 'vol-a', snapshot: 'snap-1', bucket: 'b' },
        target: { workingEnvironmentId: t.we.id, volumeName: 'vol-b', path: '/restored', volumeSize: 1024 },
      };
      const files = [{ inode: 12, path: '/a/b.txt', type: 'file', size: 5, mtime: 1_700_000_000_000 }];
      const job = await store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file', restore,
        entries: [{ id: 'batch-1', kind: 'batch', files }, { id: 'batch-2', kind: 'batch', files: [] }],
        tasks: [
          { agentId: t.agent.id, kind: 'restore-batch', payload: { n: 1 }, entryIndex: 0 },
          { agentId: t.agent.id, kind: 'restore-batch', payload: { n: 2 }, entryIndex: 1, maxAttempts: 5 },
        ],
      }, 7_000);
      assert.equal(job.status, 'PENDING');
      assert.equal(job.error, '');
      assert.equal(job.time, 7_000);
      assert.equal(job.startTime, undefined);
      assert.deepEqual(job.restore, restore);
      assert.deepEqual(job.entries.map((e) => [e.id, e.kind, e.position, e.status, e.time]), [
        ['batch-1', 'batch', 0, 'PENDING', 7_000], ['batch-2', 'batch', 1, 'PENDING', 7_000],
      ]);
      assert.deepEqual(job.entries[0]!.files, files);
      assert.deepEqual(await store.getJob(t.account.id, job.id), job);

      const mv = await store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'multi-volume-backup',
        entries: t.volumes.map((v) => ({ id: v.id, kind: 'volume' as const })),
        tasks: t.volumes.map((v, i) => ({ agentId: t.agent.id, kind: 'backup-volume', payload: { volumeId: v.id }, entryIndex: i })),
      });
      assert.deepEqual(mv.entries.map((e) => e.name), ['vol-a', 'vol-b'], 'volume names taken from the store');
    });

    test('another account, or an unknown id, gets undefined', async () => {
      const job = await store.createJob(backupJob(t));
      assert.equal(await store.getJob(other.account.id, job.id), undefined);
      assert.equal(await store.getJob(t.account.id, '00000000-0000-4000-8000-000000000000'), undefined);
      assert.ok(!(await store.listJobs(other.account.id, { limit: 1000 })).some((j) => j.id === job.id));
    });

    test('bad jobs are refused (VALIDATION_FAILED, CONFLICT) and leave nothing behind', async () => {
      const before = await store.countJobsByStatus();
      await assert.rejects(store.createJob({ ...backupJob(t), tasks: [{ agentId: t.agent.id, kind: 'k', payload: {}, entryIndex: 3 }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(store.createJob({ ...backupJob(t), entries: [{ id: 'x', kind: 'batch' }, { id: 'x', kind: 'batch' }] }), isCode('VALIDATION_FAILED'));
      await assert.rejects(store.createJob({ ...backupJob(t), type: 'nonsense' as JobType }), isCode('VALIDATION_FAILED'));
      await assert.rejects(store.createJob({ ...backupJob(t), accountId: 'account-unknown0' }), isCode('VALIDATION_FAILED'));
      // a caller-chosen id that is taken
      const j = await store.createJob({ ...backupJob(t), id: '11111111-1111-4111-8111-111111111111' });
      await assert.rejects(store.createJob({ ...backupJob(t), id: j.id }), isCode('CONFLICT'));
      const after = await store.countJobsByStatus();
      assert.equal(after.PENDING, before.PENDING + 1);
    });

    test('a job without tasks is COMPLETED at creation', async () => {
      const job = await store.createJob({ accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'check', tasks: [] }, 50);
      assert.equal(job.status, 'COMPLETED');
      assert.equal(job.endTime, 50);
    });

    test('listJobs filters by type, status and working environment', async () => {
      const s = await seedTenant(store, { suffix: 'filt0001', volumes: ['v'] });
      const we2 = await store.upsertWorkingEnvironment({ ...s.we, id: 'LocalWorkingEnvironment-filt0002', name: 'second' });
      const a = await store.createJob(backupJob(s, 'backup-volume'), 1);
      const b = await store.createJob(backupJob(s, 'restore-volume'), 2);
      const c = await store.createJob({ ...backupJob(s, 'backup-volume'), workingEnvironmentId: we2.id }, 3);
      const ids = (js: Job[]) => js.map((j) => j.id);
      assert.deepEqual(ids(await store.listJobs(s.account.id, { limit: 100 })), [c.id, b.id, a.id]);
      assert.deepEqual(ids(await store.listJobs(s.account.id, { limit: 100, type: 'backup-volume' })), [c.id, a.id]);
      assert.deepEqual(ids(await store.listJobs(s.account.id, { limit: 100, workingEnvironmentId: we2.id })), [c.id]);
      assert.deepEqual(ids(await store.listJobs(s.account.id, { limit: 100, status: 'PENDING', type: 'restore-volume' })), [b.id]);
      assert.deepEqual(ids(await store.listJobs(s.account.id, { limit: 100, status: 'COMPLETED' })), []);
      await assert.rejects(store.listJobs(s.account.id, { limit: 0 }), isCode('VALIDATION_FAILED'));
      await assert.rejects(store.listJobs(s.account.id, { limit: 1002 }), isCode('VALIDATION_FAILED'));
    });

    test('keyset paging: newest first, no duplicates, no gaps, even with equal times', async () => {
      const r = seededRandom();
      await withSeed(r, async () => {
        const s = await seedTenant(store, { suffix: 'page0001', volumes: ['v'] });
        const created: Job[] = [];
        // Few distinct times, so many jobs share one: the id breaks the tie.
        for (let i = 0; i < 90; i++) created.push(await store.createJob(backupJob(s), 1_000 + r.int(0, 12) * 1_000));
        const expected = [...created].sort((x, y) => y.time - x.time || (x.id < y.id ? 1 : x.id > y.id ? -1 : 0)).map((j) => j.id);
        for (const pageSize of [1, 7, 90, 1000]) {
          const seen: string[] = [];
          let before: { time: number; id: string } | undefined;
          for (;;) {
            const page = await store.listJobs(s.account.id, { limit: pageSize, ...(before ? { before } : {}) });
            seen.push(...page.map((j) => j.id));
            if (page.length < pageSize) break;
            const last = page[page.length - 1]!;
            before = { time: last.time, id: last.id };
          }
          assert.deepEqual(seen, expected, `page size ${pageSize}`);
        }
      });
    });

    test('countJobsByStatus counts every status, zero included', async () => {
      const counts = await store.countJobsByStatus();
      assert.deepEqual(Object.keys(counts).sort(), ['COMPLETED', 'FAILED', 'IN_PROGRESS', 'PENDING']);
      const all = await Promise.all([t, other].map((x) => store.listJobs(x.account.id, { limit: 1000 })));
      assert.ok(counts.PENDING >= all.flat().filter((j) => j.status === 'PENDING').length);
      assert.equal(counts.IN_PROGRESS, 0);
    });
  });
}
