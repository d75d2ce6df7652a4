import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { JobStore } from '../store/job-store.js';
import type { Task } from '../store/model.js';
import type { OpenJobStoreOptions } from '../store/open.js';
import { storeMatrix } from '../store/testing/store-matrix.js';
import { seedTenant, type TenantFixture } from '../store/testing/tenant-fixture.js';

const LEASE = { leaseMs: 60_000 };

/** Claims and finishes tasks until none is left; returns the ids it got. */
async function drain(store: JobStore, agentId: string): Promise<string[]> {
  const got: string[] = [];
  for (;;) {
    const t = await store.claimTask(agentId, LEASE);
    if (t === undefined) return got;
    got.push(t.id);
    // An agent does I/O between claim and completion; without a turn of the event
    // loop one in-process claimer would run all its transactions back to back.
    await nextTurn();
    await store.completeTask(t.id, agentId, t.leaseToken!, { result: { by: got.length } });
  }
}

/** Claimers in worker threads: truly parallel, each with its own connection (and, on SQLite, the file lock to fight for). */
async function drainInWorkers(options: OpenJobStoreOptions, agentId: string, n: number): Promise<string[][]> {
  const url = new URL('../store/testing/drain-worker.js', import.meta.url);
  const workers = Array.from({ length: n }, () => new Worker(url, { workerData: { options, agentId, leaseMs: LEASE.leaseMs } }));
  const message = (w: Worker) => new Promise<Record<string, unknown>>((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  try {
    await Promise.all(workers.map(message)); // ready
    const results = workers.map(message);
    for (const w of workers) w.postMessage('go');
    const out = await Promise.all(results);
    return out.map((r) => {
      if (typeof r['error'] === 'string') throw new Error(`worker failed: ${r['error']}`);
      return r['got'] as string[];
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

async function createJobs(store: JobStore, t: TenantFixture, jobs: number, tasksPerJob: number): Promise<string[]> {
  const ids: string[] = [];
  for (let j = 0; j < jobs; j++) {
    const job = await store.createJob({
      accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file',
      entries: Array.from({ length: tasksPerJob }, (_, b) => ({ id: `b${b}`, kind: 'batch' as const, files: [] })),
      tasks: Array.from({ length: tasksPerJob }, (_, b) => ({ agentId: t.agent.id, kind: 'restore-batch', payload: { b }, entryIndex: b })),
    });
    ids.push(job.id);
  }
  return ids;
}

async function assertAllCompleted(store: JobStore, accountId: string, jobIds: string[]): Promise<void> {
  for (const id of jobIds) {
    const job = (await store.getJob(accountId, id))!;
    assert.equal(job.status, 'COMPLETED', `job ${id}`);
    assert.ok(job.entries.every((e) => e.status === 'SUCCESS'), `entries of job ${id}`);
  }
}

for (const m of storeMatrix()) {
  describe(`concurrent claimers (${m.name})`, () => {
    test('two instances racing over 200 tasks never get the same task and together get all', async () => {
      const ms = await m.open();
      try {
        const t = await seedTenant(ms.store, { suffix: 'race0001' });
        const jobIds = await createJobs(ms.store, t, 40, 5);
        const other = await ms.openAnother();
        const started = performance.now();
        const [a, b] = await Promise.all([drain(ms.store, t.agent.id), drain(other, t.agent.id)]);
        console.log(`${m.name}: 200 claim+complete, 2 instances in one process: ${(performance.now() - started).toFixed(0)} ms (${a!.length} + ${b!.length})`);
        assert.deepEqual(a!.filter((id) => b!.includes(id)), [], 'no task handed out twice');
        assert.equal(new Set([...a!, ...b!]).size, 200, 'every task handed out');
        assert.ok(a!.length > 0 && b!.length > 0, `both claimers got work (${a!.length}, ${b!.length})`);
        await assertAllCompleted(ms.store, t.account.id, jobIds);
        for (const id of [...a!, ...b!].slice(0, 20)) assert.equal((await ms.store.getTask(id))!.attempts, 1);
      } finally { await ms.destroy(); }
    });

    test('two worker threads racing over 200 tasks never get the same task and together get all', async () => {
      const ms = await m.open();
      try {
        const t = await seedTenant(ms.store, { suffix: 'race0003' });
        const jobIds = await createJobs(ms.store, t, 40, 5);
        const started = performance.now();
        const [a, b] = await drainInWorkers(ms.options, t.agent.id, 2);
        console.log(`${m.name}: 200 claim+complete, 2 worker threads: ${(performance.now() - started).toFixed(0)} ms (${a!.length} + ${b!.length})`);
        assert.deepEqual(a!.filter((id) => b!.includes(id)), [], 'no task handed out twice');
        assert.equal(new Set([...a!, ...b!]).size, 200, 'every task handed out');
        await assertAllCompleted(ms.store, t.account.id, jobIds);
      } finally { await ms.destroy(); }
    });

    test('tasks of one job finished at the same moment from two instances still end the job', async () => {
      const ms = await m.open();
      try {
        const t = await seedTenant(ms.store, { suffix: 'race0002' });
        const other = await ms.openAnother();
        for (let round = 0; round < 5; round++) {
          const job = await ms.store.createJob({
            accountId: t.account.id, workingEnvironmentId: t.we.id, type: 'restore-file',
            entries: Array.from({ length: 10 }, (_, b) => ({ id: `b${b}`, kind: 'batch' as const, files: [] })),
            tasks: Array.from({ length: 10 }, (_, b) => ({ agentId: t.agent.id, kind: 'restore-batch', payload: {}, entryIndex: b })),
          });
          const claimed: Task[] = [];
          for (let i = 0; i < 10; i++) claimed.push((await ms.store.claimTask(t.agent.id, LEASE))!);
          await Promise.all(claimed.map((c, i) => (i % 2 === 0 ? ms.store : other)
            [i === 3 ? 'failTask' : 'completeTask'](c.id, t.agent.id, c.leaseToken!, (i === 3 ? 'boom' : {}) as never)));
          const final = (await ms.store.getJob(t.account.id, job.id))!;
          assert.equal(final.status, 'FAILED', `round ${round}`);
          assert.equal(final.error, '1 of 10 batches failed: batch b3: boom');
        }
      } finally { await ms.destroy(); }
    });
  });
}
