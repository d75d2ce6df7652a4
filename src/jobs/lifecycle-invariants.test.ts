import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { CbsError } from '../errors/index.js';
import type { JobStore } from '../store/job-store.js';
import type { EntryStatus, JobEntry, JobStatus, Task, TaskStatus } from '../store/model.js';
import type { Database } from '../store/schema.js';
import { seededRandom, withSeed } from '../testing/seeded-random.js';
import { storeMatrix } from '../store/testing/store-matrix.js';
import { seedTenant } from '../store/testing/tenant-fixture.js';
import { deriveJobStatus } from './derive-job-status.js';
import { DEFAULTS } from '../config/defaults.js';

/** The rows behind the store, read directly so the test can check the store against the rules. */
function dbOf(store: JobStore): Kysely<Database> {
  return (store as unknown as { db: Kysely<Database> }).db;
}

async function checkInvariants(store: JobStore, accountId: string, jobIds: string[], now: number): Promise<void> {
  const db = dbOf(store);
  for (const id of jobIds) {
    const job = (await store.getJob(accountId, id))!;
    const tasks = await db.selectFrom('tasks').selectAll().where('job_id', '=', id).orderBy('position').execute();
    const where = `job ${id} (${job.status})`;
    // The stored job is what the rules derive from its stored tasks.
    const derived = deriveJobStatus({
      job: { status: 'PENDING', error: '' },
      entries: job.entries.map((e) => ({ id: e.id, kind: e.kind, status: 'PENDING' as EntryStatus, error: '', ...(e.name ? { name: e.name } : {}) })),
      tasks: tasks.map((t) => ({
        id: t.id, kind: t.kind, status: t.status as TaskStatus, attempts: t.attempts, error: t.error,
        ...(t.entry_id === null ? {} : { entryId: t.entry_id }),
      })),
      now,
    });
    assert.equal(job.status, derived.job.status, where);
    assert.equal(job.error, derived.job.error, where);
    assert.deepEqual(job.entries.map((e) => [e.status, e.error]), derived.entries.map((e) => [e.status, e.error]), where);
    const terminal = job.status === 'COMPLETED' || job.status === 'FAILED';
    assert.equal(job.endTime !== undefined, terminal, `${where}: endTime iff terminal`);
    if (tasks.some((t) => t.attempts > 0)) assert.ok(job.startTime !== undefined && job.startTime >= job.time, `${where}: startTime once claimed`);
    if (job.endTime !== undefined && job.startTime !== undefined) assert.ok(job.endTime >= job.startTime, where);
    for (const t of tasks) {
      assert.ok(t.attempts <= t.max_attempts, `${where}: attempts within max`);
      assert.equal(t.status === 'LEASED', t.lease_token !== null, `${where}: a token iff LEASED`);
    }
  }
}

const LEASED_KEY = (t: Task) => `${t.id}/${t.leaseToken}`;

for (const m of storeMatrix()) {
  describe(`lifecycle invariants under random operations (${m.name})`, () => {
    test('every step leaves jobs equal to the rules over their tasks; expiry leaves no job running', async () => {
      const r = seededRandom();
      await withSeed(r, async () => {
        const ms = await m.open();
        try {
          const store = ms.store;
          const t = await seedTenant(store, { suffix: 'inv00001', volumes: ['v0', 'v1', 'v2', 'v3'] });
          let now = 1_000;
          const jobIds: string[] = [];
          const createJob = async (): Promise<void> => {
            const n = r.int(1, 4);
            const withEntries = r.next() < 0.7;
            const kind = r.next() < 0.5 ? 'volume' : 'batch';
            const job = await store.createJob({
              accountId: t.account.id, workingEnvironmentId: t.we.id, type: kind === 'volume' ? 'multi-volume-backup' : 'restore-file',
              ...(withEntries ? { entries: Array.from({ length: n }, (_, i) => ({ id: kind === 'volume' ? t.volumes[i]!.id : `b${i}`, kind: kind as JobEntry['kind'] })) } : {}),
              tasks: Array.from({ length: n }, (_, i) => ({
                agentId: t.agent.id, kind: 'work', payload: { i }, maxAttempts: r.int(1, 3), ...(withEntries ? { entryIndex: i } : {}),
              })),
            }, now);
            now += 1; // distinct creation times: claim order, and so the run, follows from the seed alone
            jobIds.push(job.id);
          };
          for (let i = 0; i < 6; i++) await createJob();
          const held = new Map<string, Task>();
          const pick = (): Task | undefined => [...held.values()][r.int(0, held.size - 1)];
          const live = async (h: Task): Promise<boolean> => {
            const cur = (await store.getTask(h.id))!;
            return cur.status === 'LEASED' && cur.leaseToken === h.leaseToken && cur.leaseExpiresAt! >= now;
          };
          const expectOutcome = async (h: Task, op: () => Promise<unknown>): Promise<void> => {
            if (await live(h)) {
              await op();
            } else {
              await assert.rejects(op(), (e) => e instanceof CbsError && e.code === 'LEASE_LOST');
              held.delete(LEASED_KEY(h));
            }
          };
          for (let step = 0; step < 220; step++) {
            const roll = r.next();
            if (roll < 0.3) {
              const c = await store.claimTask(t.agent.id, { leaseMs: r.int(100, 2_000), now });
              if (c) held.set(LEASED_KEY(c), c);
            } else if (roll < 0.45 && held.size > 0) {
              const h = pick()!;
              await expectOutcome(h, () => store.heartbeat(h.id, t.agent.id, h.leaseToken!, { bytesDone: step, bytesTotal: 1_000, filesDone: 1, filesTotal: 2 }, { leaseMs: r.int(100, 2_000), now }));
            } else if (roll < 0.65 && held.size > 0) {
              const h = pick()!;
              const ok = r.next() < 0.7;
              await expectOutcome(h, () => (ok
                ? store.completeTask(h.id, t.agent.id, h.leaseToken!, { result: { snapshotId: `s${step}` }, snapshotId: `s${step}` }, now)
                : store.failTask(h.id, t.agent.id, h.leaseToken!, `failure at step ${step}`, now)));
              held.delete(LEASED_KEY(h));
            } else if (roll < 0.8) {
              now += r.int(0, 1_500);
            } else if (roll < 0.92) {
              await store.expireLeases(now);
            } else {
              await createJob();
            }
            // Every third step keeps the file fast on PostgreSQL; a broken rule mostly outlives the next steps.
            if (step % 3 === 2) await checkInvariants(store, t.account.id, jobIds, now);
          }
          // The agent dies: two sweeps past every lease and the requeue timeout leave no job running.
          now += 10_000;
          await store.expireLeases(now);
          now += DEFAULTS.agentGoneMs + 1;
          await store.expireLeases(now);
          await checkInvariants(store, t.account.id, jobIds, now);
          const statuses = await Promise.all(jobIds.map(async (id) => (await store.getJob(t.account.id, id))!.status));
          assert.ok(!statuses.includes('IN_PROGRESS' as JobStatus), `no job left IN_PROGRESS: ${statuses.join(',')}`);
        } finally { await ms.destroy(); }
      });
    });
  });
}
