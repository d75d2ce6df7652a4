import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  backup, check, forget, initRepository, isRepoError, listSnapshots, openRepository, prune, Repository, restore, type PruneStep, type RepoErrorCode,
} from '../../src/repo/index.js';
import { MemBackend, RetryBackend, type Backend } from '../../src/storage/index.js';
import { FaultyBackend, SeededRandom, testSeed, withSeed, type FaultPlan } from '../../src/storage/testing/index.js';
import { comparableTree as describeTree, bulkTree as makeTree, rewriteSome, type TreeEntry } from '../../src/testing/trees.js';

const PASSWORD = 'prune-faults';
const KiB = 1024;

interface Fixture { mem: MemBackend; kept: Map<string, Map<string, TreeEntry>> }

/** Four snapshots in 32 KiB packs, the two oldest forgotten: a prune has packs to delete and to repack. */
async function fixture(dir: string, rng: SeededRandom): Promise<Fixture> {
  const mem = new MemBackend();
  const init = await initRepository(mem, { passphrase: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });
  const repo = new Repository(mem, { ...init.config, packSize: 32 * KiB }, init.master);
  const src = join(dir, 'src');
  await rm(src, { recursive: true, force: true });
  const files = await makeTree(src, rng, { smallFiles: 40, smallMax: 12 * KiB, bigFiles: [90 * KiB] });
  const ids: string[] = [];
  const kept = new Map<string, Map<string, TreeEntry>>();
  for (let v = 0; v < 4; v++) {
    if (v > 0) await rewriteSome(src, files, rng, 0.5);
    const s = await backup(repo, { sourceDir: src, workers: 1 });
    ids.push(s.snapshot.id);
    if (v >= 2) kept.set(s.snapshot.id, await describeTree(src));
  }
  await forget(repo, ids.slice(0, 2));
  return { mem, kept };
}

async function dataKeys(b: Backend): Promise<Set<string>> {
  const out = new Set<string>();
  for await (const o of b.list('data/')) out.add(o.key);
  return out;
}

/** check --read-data is clean and every snapshot left restores exactly. */
async function assertWhole(mem: MemBackend, dir: string, kept: Map<string, Map<string, TreeEntry>>, where: string): Promise<void> {
  const repo = await openRepository(mem, { passphrase: PASSWORD });
  assert.deepEqual((await check(repo, { readData: true, workers: 1 })).errors, [], `${where}: check --read-data`);
  assert.deepEqual((await listSnapshots(repo)).map((s) => s.id).sort(), [...kept.keys()].sort(), `${where}: the kept snapshots`);
  for (const [id, want] of kept) {
    const out = join(dir, `out-${id.slice(0, 8)}`);
    await restore(repo, { snapshotId: id, targetDir: out, workers: 1 });
    assert.deepEqual(await describeTree(out), want, `${where}: snapshot ${id.slice(0, 8)} restores exactly`);
    await rm(out, { recursive: true, force: true });
  }
}

/** Runs `fn` on a fresh fixture in a temp dir, with the seed printed and named in any failure. */
async function withFixture(t: { diagnostic(m: string): void }, fn: (f: Fixture, dir: string) => Promise<void>): Promise<void> {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-faults-'));
  try {
    await withSeed(seed, async () => fn(await fixture(dir, new SeededRandom(seed)), dir));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** plans: the faults; at: the prune step at which they are planned (from the start when absent). */
const CASES: { name: string; plans: FaultPlan[]; at?: PruneStep; packsDeleted: 'none' | 'some'; code?: RepoErrorCode }[] = [
  { name: 'the upload of a repacked pack fails', plans: [{ method: 'put', key: /^data\//, nth: 2, fault: 'permanent' }], packsDeleted: 'none' },
  { name: 'a repacked pack is torn mid-upload', plans: [{ method: 'put', key: /^data\//, fault: 'drop-mid-body' }], packsDeleted: 'none' },
  { name: 'writing the new index fails', plans: [{ method: 'put', key: /^index\//, fault: 'permanent' }], packsDeleted: 'none' },
  { name: 'deleting an old index object fails', plans: [{ method: 'delete', key: /^index\//, nth: 2, fault: 'permanent' }], packsDeleted: 'none' },
  { name: 'deleting packs fails', plans: [{ method: 'delete', key: /^data\//, nth: 2, times: 3, fault: 'permanent' }], packsDeleted: 'some' },
  { name: 'a pack read for repacking comes back damaged', at: 'repack', code: 'REPO_INTEGRITY',
    plans: [{ method: 'get', key: /^data\//, times: Infinity, fault: 'torn-read', torn: 'bit-flip' }], packsDeleted: 'none' },
  { name: 'listing the packs breaks off', plans: [{ method: 'list', key: 'data/', fault: 'drop-mid-body' }], packsDeleted: 'none' },
];

for (const c of CASES) {
  test(`prune over a faulty store: ${c.name} — it fails, every snapshot stays restorable, and the next prune finishes`, async (t) => {
    await withFixture(t, async ({ mem, kept }, dir) => {
      const faulty = new FaultyBackend(mem);
      const arm = (): void => { for (const p of c.plans) faulty.plan(p); };
      if (c.at === undefined) arm();
      const repo = await openRepository(faulty, { passphrase: PASSWORD, skipIndex: true });
      const before = await dataKeys(mem);
      // Default workers: a repack this small verifies blobs on the prune's own thread (the other tests use the pool).
      const run = prune(repo, { maxUnused: 0, packSize: 32 * KiB, hooks: { onStep: (s) => { if (s === c.at) arm(); } } });
      await assert.rejects(run, (e: unknown) => e instanceof Error && (c.code === undefined || isRepoError(e, c.code)), c.name);
      faulty.assertAllFired();
      const after = await dataKeys(mem);
      const deleted = [...before].filter((k) => !after.has(k)).length;
      if (c.packsDeleted === 'none') assert.equal(deleted, 0, 'no pack is deleted before the new index replaced the old');
      else assert.ok(deleted > 0);
      await assertWhole(mem, dir, kept, `after the failed prune (${c.name})`);

      faulty.clearPlans();
      const r = await prune(await openRepository(faulty, { passphrase: PASSWORD, skipIndex: true }), { maxUnused: 0, workers: 1, packSize: 32 * KiB });
      assert.ok(r.packsDeleted + r.packsRepacked > 0, 'the next prune did the work');
      const left = await prune(await openRepository(mem, { passphrase: PASSWORD, skipIndex: true }), { dryRun: true, maxUnused: 0, workers: 1 });
      assert.deepEqual([left.packsDeleted, left.packsRepacked, left.packsUnindexed], [0, 0, 0], 'nothing left over');
      await assertWhole(mem, dir, kept, `after the next prune (${c.name})`);
    });
  });
}

test('prune through the retry wrapper rides out transient faults on every kind of operation', async (t) => {
  await withFixture(t, async ({ mem, kept }, dir) => {
    const faulty = new FaultyBackend(mem);
    faulty
      .plan({ method: 'put', key: /^data\//, nth: 1, fault: 'drop-mid-body' })
      .plan({ method: 'put', key: /^index\//, times: 2, fault: 'transient' })
      .plan({ method: 'get', key: /^data\//, nth: 2, times: 2, fault: 'transient' })
      .plan({ method: 'delete', key: /^index\//, times: 2, fault: 'transient' })
      .plan({ method: 'delete', key: /^data\//, nth: 2, times: 2, fault: 'transient' })
      .plan({ method: 'list', key: 'data/', times: 2, fault: 'transient' });
    const retried = new RetryBackend(faulty, { baseDelayMs: 1, maxDelayMs: 5 });
    const r = await prune(await openRepository(retried, { passphrase: PASSWORD, skipIndex: true }), { maxUnused: 0, workers: 1, packSize: 32 * KiB });
    faulty.assertAllFired();
    assert.ok(r.packsRepacked > 0 && r.packsDeleted > 0);
    await assertWhole(mem, dir, kept, 'after a prune with retried faults');
  });
});
