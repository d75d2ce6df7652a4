import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CbsError } from '../errors/index.js';
import type { JobStore } from '../store/job-store.js';
import type { NewJob } from '../store/model.js';
import { DEFAULTS } from '../config/defaults.js';
import { storeMatrix, type MatrixStore } from '../store/testing/store-matrix.js';
import { seedTenant, type TenantFixture } from '../store/testing/tenant-fixture.js';

const isCode = (code: string) => (e: unknown) => e instanceof CbsError && e.code === code;
const LEASE = 10_000;

for (const m of storeMatrix()) {
  describe(`job lifecycle (${m.name})`, () => {
    let ms: MatrixStore;
    let store: JobStore;
    let n = 0;
    before(async () => { ms = await m.open(); store = ms.store; });
    after(async () => { await ms.destroy(); });
    /** Each test its own tenant, so one test's tasks are never claimed by another. */
    const tenant = (volumes: string[] = []): Promise<TenantFixture> =>
      seedTenant(store, { suffix: `life${String(++n).padStart(4, '0')}`, volumes });

    function multiVolume(t: TenantFixture): NewJob {
      return {
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'multi-volume-backup',
        entries: t.volumes.map((v) => ({ id: v.id, kind: 'volume' as const })),
        tasks: t.volumes.map((v, i) => ({ agentId: t.agent.id, kind: 'backup-volume', payload: { volumeId: v.id }, entryIndex: i })),
      };
    }

    test('multi-volume backup with one volume SUCCESS and one FAILED: job FAILED naming the failed volume', async () => {
      const t = await tenant(['vol-a', 'vol-b']);
      const [va, vb] = t.volumes as [typeof t.volumes[0], typeof t.volumes[0]];
      const job = await store.createJob(multiVolume(t), 1_000);
      assert.equal(job.status, 'PENDING');

      const t1 = await store.claimTask(t.agent.id, { leaseMs: LEASE, now: 2_000 });
      assert.ok(t1);
      assert.equal(t1.status, 'LEASED');
      assert.equal(t1.attempts, 1);
      assert.equal(t1.leaseExpiresAt, 2_000 + LEASE);
      assert.equal(t1.entryId, va.id, 'oldest first, in job order');
      assert.deepEqual(t1.payload, { volumeId: va.id });
      let j = (await store.getJob(t.account.id, job.id))!;
      assert.equal(j.status, 'IN_PROGRESS');
      assert.equal(j.startTime, 2_000);
      assert.deepEqual(j.entries.map((e) => e.status), ['IN_PROGRESS', 'PENDING']);

      const t2 = (await store.claimTask(t.agent.id, { leaseMs: LEASE, now: 2_100 }))!;
      assert.equal(t2.entryId, vb.id);
      assert.equal(await store.claimTask(t.agent.id, { leaseMs: LEASE, now: 2_200 }), undefined, 'nothing left to claim');

      await store.heartbeat(t1.id, t.agent.id, t1.leaseToken!, { bytesDone: 10, bytesTotal: 100, filesDone: 1, filesTotal: 4 }, { leaseMs: LEASE, now: 3_000 });
      await store.heartbeat(t2.id, t.agent.id, t2.leaseToken!, { bytesDone: 5, bytesTotal: 50, filesDone: 2, filesTotal: 2 }, { leaseMs: LEASE, now: 3_000 });
      j = (await store.getJob(t.account.id, job.id))!;
      assert.deepEqual(j.progress, { bytesDone: 15, bytesTotal: 150, filesDone: 3, filesTotal: 6 }, 'job progress sums its tasks');

      j = await store.completeTask(t1.id, t.agent.id, t1.leaseToken!, { result: { snapshotId: 'snap-a' }, snapshotId: 'snap-a' }, 4_000);
      assert.equal(j.status, 'IN_PROGRESS', 'not terminal while a task runs');
      assert.deepEqual(j.entries.map((e) => e.status), ['SUCCESS', 'IN_PROGRESS']);

      j = await store.failTask(t2.id, t.agent.id, t2.leaseToken!, 'source directory vanished', 5_000);
      assert.equal(j.status, 'FAILED');
      assert.equal(j.endTime, 5_000);
      assert.equal(j.error, `1 of 2 volumes failed: vol-b (${vb.id}): source directory vanished`);
      assert.deepEqual(j.entries.map((e) => [e.id, e.status, e.error, e.snapshotId]), [
        [va.id, 'SUCCESS', '', 'snap-a'], [vb.id, 'FAILED', 'source directory vanished', undefined],
      ]);
      assert.deepEqual(await store.getJob(t.account.id, job.id), j, 'what the transaction returned is what is stored');
      const done = (await store.getTask(t1.id))!;
      assert.equal(done.status, 'SUCCESS');
      assert.deepEqual(done.result, { snapshotId: 'snap-a' });
      assert.equal(done.leaseToken, undefined);

      await assert.rejects(store.completeTask(t1.id, t.agent.id, t1.leaseToken!, { result: {} }, 5_500), isCode('LEASE_LOST'), 'a finished task cannot be finished again');
    });

    test('file restore in several batches: every batch SUCCESS → COMPLETED, batches keep their files', async () => {
      const t = await tenant(['src']);
      const files = (b: number) => [0, 1, 2].map((i) => ({ inode: b * 10 + i, path: `/d/f${b}-${i}`, type: 'file', size: 100 + i, mtime: 1_700_000_000_000 }));
      const job = await store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file',
        restore: { type: 'file', source: { volumeId: t.volumes[0]!.id, snapshot: 's' }, target: { volumeName: 'src', path: '/out' } },
        entries: [1, 2, 3].map((b) => ({ id: `batch-${b}`, kind: 'batch' as const, files: files(b) })),
        tasks: [0, 1, 2].map((i) => ({ agentId: t.agent.id, kind: 'restore-batch', payload: { batch: i }, entryIndex: i })),
      }, 100);
      const claimed = [];
      for (let i = 0; i < 3; i++) claimed.push((await store.claimTask(t.agent.id, { leaseMs: LEASE, now: 200 + i }))!);
      assert.deepEqual(claimed.map((c) => c.entryId), ['batch-1', 'batch-2', 'batch-3']);
      let j = await store.completeTask(claimed[1]!.id, t.agent.id, claimed[1]!.leaseToken!, { result: { restored: 3 } }, 300);
      assert.deepEqual(j.entries.map((e) => e.status), ['IN_PROGRESS', 'SUCCESS', 'IN_PROGRESS']);
      j = await store.completeTask(claimed[0]!.id, t.agent.id, claimed[0]!.leaseToken!, { result: {} }, 301);
      j = await store.completeTask(claimed[2]!.id, t.agent.id, claimed[2]!.leaseToken!, { result: {} }, 302);
      assert.equal(j.id, job.id);
      assert.equal(j.status, 'COMPLETED');
      assert.equal(j.error, '');
      assert.equal(j.endTime, 302);
      assert.deepEqual(j.entries.map((e) => [e.id, e.status, e.files?.length, e.snapshotId]), [
        ['batch-1', 'SUCCESS', 3, undefined], ['batch-2', 'SUCCESS', 3, undefined], ['batch-3', 'SUCCESS', 3, undefined],
      ]);
      assert.deepEqual(j.entries[2]!.files, files(3));
    });

    test('a failed batch among several: FAILED, "1 of 3 batches failed: batch <id>: <reason>"', async () => {
      const t = await tenant();
      const job = await store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file',
        entries: ['b1', 'b2', 'b3'].map((id) => ({ id, kind: 'batch' as const, files: [] })),
        tasks: [0, 1, 2].map((i) => ({ agentId: t.agent.id, kind: 'restore-batch', payload: {}, entryIndex: i })),
      });
      let j;
      for (let i = 0; i < 3; i++) {
        const c = (await store.claimTask(t.agent.id, { leaseMs: LEASE }))!;
        j = i === 1 ? await store.failTask(c.id, t.agent.id, c.leaseToken!, 'target path escapes the volume')
          : await store.completeTask(c.id, t.agent.id, c.leaseToken!, { result: {} });
      }
      assert.equal(j!.id, job.id);
      assert.equal(j!.status, 'FAILED');
      assert.equal(j!.error, '1 of 3 batches failed: batch b2: target path escapes the volume');
    });

    test('an expired lease is retried, then failed after max attempts; the job ends FAILED', async () => {
      const t = await tenant(['v1']);
      const job = await store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'backup-volume',
        entries: [{ id: t.volumes[0]!.id, kind: 'volume' }],
        tasks: [{ agentId: t.agent.id, kind: 'backup-volume', payload: {}, entryIndex: 0, maxAttempts: 2 }],
      }, 0);
      const first = (await store.claimTask(t.agent.id, { leaseMs: 1_000, now: 1_000 }))!;
      assert.equal(await store.expireLeases(2_000), 0, 'a lease is live up to and including its expiry instant');
      assert.equal(await store.expireLeases(2_001), 1);
      let task = (await store.getTask(first.id))!;
      assert.equal(task.status, 'PENDING');
      assert.equal(task.leaseToken, undefined);
      assert.equal(task.leaseExpiresAt, undefined);
      let j = (await store.getJob(t.account.id, job.id))!;
      assert.equal(j.status, 'IN_PROGRESS', 'a retried task keeps its job running');

      await assert.rejects(store.heartbeat(first.id, t.agent.id, first.leaseToken!, undefined, { leaseMs: 1_000, now: 2_500 }), isCode('LEASE_LOST'));

      const second = (await store.claimTask(t.agent.id, { leaseMs: 1_000, now: 3_000 }))!;
      assert.equal(second.id, first.id);
      assert.equal(second.attempts, 2);
      assert.notEqual(second.leaseToken, first.leaseToken);
      await assert.rejects(store.completeTask(first.id, t.agent.id, first.leaseToken!, { result: {} }, 3_100), isCode('LEASE_LOST'), 'the old lease cannot finish the new one');
      assert.equal(await store.expireLeases(10_000), 1);
      task = (await store.getTask(first.id))!;
      assert.equal(task.status, 'FAILED');
      assert.equal(task.error, `agent lease expired after 2 attempts (agent ${t.agent.id} stopped heartbeating)`);
      j = (await store.getJob(t.account.id, job.id))!;
      assert.equal(j.status, 'FAILED');
      assert.equal(j.endTime, 10_000);
      assert.match(j.error, /agent lease expired after 2 attempts/);
      assert.equal(j.entries[0]!.status, 'FAILED');
      assert.equal(await store.claimTask(t.agent.id, { leaseMs: 1_000, now: 11_000 }), undefined);
      assert.equal(await store.expireLeases(20_000), 0, 'nothing left to expire');
    });

    test('a task given back whose agent never returns fails after the requeue timeout; a busy agent keeps it', async () => {
      const t = await tenant();
      const check = (agentId: string) => store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'check',
        tasks: [{ agentId, kind: 'check', payload: {}, maxAttempts: 3 }],
      }, 0);
      const gone = await check(t.agent.id);
      await store.claimTask(t.agent.id, { leaseMs: 1_000, now: 1_000 });
      assert.equal(await store.expireLeases(2_001), 1, 'given back');
      const T = DEFAULTS.agentGoneMs;
      assert.equal(await store.expireLeases(2_001 + T), 0, 'waits the full timeout');
      assert.equal(await store.expireLeases(2_002 + T), 1);
      const j = (await store.getJob(t.account.id, gone.id))!;
      assert.equal(j.status, 'FAILED');
      assert.equal(j.error, `agent lease expired after 1 attempt and the task was not claimed again within ${T / 1000} s (agent ${t.agent.id} stopped heartbeating)`);

      // Same story, but the agent is alive, busy with another task it heartbeats.
      const busy = await tenant();
      const mk = (time: number) => store.createJob({
        accountId: busy.account.id, workingEnvironmentId: busy.we.id, type: 'check',
        tasks: [{ agentId: busy.agent.id, kind: 'check', payload: {}, maxAttempts: 3 }],
      }, time);
      const waiting = await mk(0);
      const running = await mk(1);
      const w = (await store.claimTask(busy.agent.id, { leaseMs: 1_000, now: 1_000 }))!;
      const r = (await store.claimTask(busy.agent.id, { leaseMs: 100 * T, now: 1_000 }))!;
      assert.deepEqual([w.jobId, r.jobId], [waiting.id, running.id], 'oldest first');
      assert.equal(await store.expireLeases(2_001), 1, 'the first lease ran out: given back');
      await store.heartbeat(r.id, busy.agent.id, r.leaseToken!, undefined, { leaseMs: 2 * T, now: 2_000 + T });
      assert.equal(await store.expireLeases(2_500 + T), 0, 'the agent heartbeats another task: it is alive, the task waits');
      assert.equal((await store.getTask(w.id))!.status, 'PENDING');
      // The agent dies: its running lease runs out, and the waiting task is stranded in the same sweep.
      assert.equal(await store.expireLeases(2_001 + 3 * T), 2);
      assert.equal((await store.getJob(busy.account.id, waiting.id))!.status, 'FAILED');
      assert.equal((await store.getTask(r.id))!.status, 'PENDING', 'the running task is given back (attempts remain)');
      assert.equal((await store.getJob(busy.account.id, running.id))!.status, 'IN_PROGRESS');
    });

    test('when the agent dies mid-job, its never-claimed tasks fail too; an agent seen by the API keeps them waiting', async () => {
      const T = DEFAULTS.agentGoneMs;
      const twoTasks = (t: TenantFixture) => store.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file',
        entries: [{ id: 'b1', kind: 'batch' }, { id: 'b2', kind: 'batch' }],
        tasks: [0, 1].map((i) => ({ agentId: t.agent.id, kind: 'restore-batch', payload: {}, entryIndex: i })),
      }, 0);
      const dead = await tenant();
      const job = await twoTasks(dead);
      const c = (await store.claimTask(dead.agent.id, { leaseMs: 1_000, now: 1_000 }))!;
      await store.completeTask(c.id, dead.agent.id, c.leaseToken!, { result: {} }, 1_500);
      // b2 has waited since its creation at 0; nothing shows the agent alive after its lease
      assert.equal(await store.expireLeases(T), 0);
      assert.equal(await store.expireLeases(T + 1), 1);
      const j = (await store.getJob(dead.account.id, job.id))!;
      assert.equal(j.status, 'FAILED');
      assert.equal(j.error, `1 of 2 batches failed: batch b2: the task was not claimed within ${T / 1000} s while its job ran (agent ${dead.agent.id} stopped heartbeating)`);

      const seen = await tenant();
      const job2 = await twoTasks(seen);
      const c2 = (await store.claimTask(seen.agent.id, { leaseMs: 1_000, now: 1_000 }))!;
      await store.completeTask(c2.id, seen.agent.id, c2.leaseToken!, { result: {} }, 1_500);
      await store.touchAgent(seen.agent.id, T);
      assert.equal(await store.expireLeases(T + 1), 0, 'seen by the API within the timeout: alive');
      assert.equal((await store.getJob(seen.account.id, job2.id))!.status, 'IN_PROGRESS');

      const idle = await tenant();
      const never = await twoTasks(idle);
      await store.expireLeases(10 * T);
      assert.equal((await store.getJob(idle.account.id, never.id))!.status, 'PENDING', 'a job that never started waits for its agent');
    });

    test('agentGoneAfterMs sets how long a running job waits for a silent agent', async () => {
      const t = await tenant();
      const quick = await ms.openAnother({ agentGoneAfterMs: 1_000 });
      const job = await quick.createJob({
        accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'check',
        tasks: [{ agentId: t.agent.id, kind: 'check', payload: {}, maxAttempts: 2 }],
      }, 0);
      await quick.claimTask(t.agent.id, { leaseMs: 100, now: 0 });
      await quick.expireLeases(101); // given back at 101
      await quick.expireLeases(1_101);
      assert.equal((await quick.getJob(t.account.id, job.id))!.status, 'IN_PROGRESS');
      await quick.expireLeases(1_102);
      const j = (await quick.getJob(t.account.id, job.id))!;
      assert.equal(j.status, 'FAILED');
      assert.match(j.error, /not claimed again within 1 s/);
    });

    test('heartbeat extends the lease; after expiry, with a wrong token or agent, it is LEASE_LOST', async () => {
      const t = await tenant();
      const intruder = await tenant();
      await store.createJob({ accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'check', tasks: [{ agentId: t.agent.id, kind: 'check', payload: {} }] });
      const c = (await store.claimTask(t.agent.id, { leaseMs: 1_000, now: 1_000 }))!;
      const hb = await store.heartbeat(c.id, t.agent.id, c.leaseToken!, undefined, { leaseMs: 1_000, now: 1_900 });
      assert.equal(hb.leaseExpiresAt, 2_900);
      assert.equal(hb.progress, undefined);
      await assert.rejects(store.heartbeat(c.id, t.agent.id, 'forged', undefined, { leaseMs: 1_000, now: 2_000 }), isCode('LEASE_LOST'));
      await assert.rejects(store.heartbeat(c.id, intruder.agent.id, c.leaseToken!, undefined, { leaseMs: 1_000, now: 2_000 }), isCode('LEASE_LOST'));
      await assert.rejects(store.heartbeat('00000000-0000-4000-8000-000000000000', t.agent.id, 'x', undefined, { leaseMs: 1_000 }), isCode('TASK_NOT_FOUND'));
      await assert.rejects(store.heartbeat(c.id, t.agent.id, c.leaseToken!, { bytesDone: -1, bytesTotal: 0, filesDone: 0, filesTotal: 0 }, { leaseMs: 1_000, now: 2_000 }), isCode('VALIDATION_FAILED'));
      // past the extended expiry, even before any sweep ran
      await assert.rejects(store.heartbeat(c.id, t.agent.id, c.leaseToken!, undefined, { leaseMs: 1_000, now: 2_901 }), isCode('LEASE_LOST'));
      await assert.rejects(store.failTask(c.id, t.agent.id, c.leaseToken!, 'late', 2_902), isCode('LEASE_LOST'));
    });

    test('agents claim only their own tasks', async () => {
      const a = await tenant();
      const b = await tenant();
      await store.createJob({ accountId: a.account.id, workingEnvironmentId: a.we.id, type: 'check', tasks: [{ agentId: a.agent.id, kind: 'check', payload: {} }] });
      assert.equal(await store.claimTask(b.agent.id, { leaseMs: LEASE }), undefined);
      assert.equal((await store.claimTask(a.agent.id, { leaseMs: LEASE }))?.accountId, a.account.id);
    });

    test('countJobsByStatus follows the jobs through their states', async () => {
      const t = await tenant();
      const base = await store.countJobsByStatus();
      const mk = () => store.createJob({ accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'check', tasks: [{ agentId: t.agent.id, kind: 'check', payload: {} }] });
      await mk(); await mk(); await mk();
      const c1 = (await store.claimTask(t.agent.id, { leaseMs: LEASE }))!;
      const c2 = (await store.claimTask(t.agent.id, { leaseMs: LEASE }))!;
      await store.claimTask(t.agent.id, { leaseMs: LEASE });
      await store.completeTask(c1.id, t.agent.id, c1.leaseToken!, { result: {} });
      await store.failTask(c2.id, t.agent.id, c2.leaseToken!, 'x');
      const now = await store.countJobsByStatus();
      assert.deepEqual(
        { P: now.PENDING - base.PENDING, I: now.IN_PROGRESS - base.IN_PROGRESS, C: now.COMPLETED - base.COMPLETED, F: now.FAILED - base.FAILED },
        { P: 0, I: 1, C: 1, F: 1 },
      );
    });
  });
}
