import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  backup, check, forgetByPolicy, initRepository, listSnapshots, prune, PRUNE_STEPS, Repository, restore, type LockWaitOptions, type PruneStep,
} from '../../src/repo/index.js';
import type { Backend, ByteRange, ObjectInfo } from '../../src/storage/backend.js';
import { LocalBackend } from '../../src/storage/index.js';
import { SeededRandom, testSeed, withSeed } from '../../src/storage/testing/index.js';
import { comparableTree as describeTree, type TreeEntry } from '../../src/testing/trees.js';

const PASSWORD = 'prune-concurrency';
const KiB = 1024;
/** Rounds of backups racing a prune; CBS_PRUNE_ROUNDS raises it for a longer soak. */
const ROUNDS = Number(process.env['CBS_PRUNE_ROUNDS'] ?? 20);
const SOURCES = ['vol-a', 'vol-b', 'vol-c'];
const FILES = 24;

/** Calls back after the nth data pack stored through it: a trigger tied to an event, not to a delay. */
class PutTrigger implements Backend {
  private puts = 0;
  private waiters: { n: number; fire: () => void }[] = [];
  constructor(private readonly inner: Backend) {}
  get location(): string { return this.inner.location; }
  afterPuts(n: number): Promise<void> {
    return new Promise((fire) => this.waiters.push({ n: this.puts + n, fire }));
  }
  async put(key: string, data: Uint8Array): Promise<void> {
    await this.inner.put(key, data);
    if (!key.startsWith('data/')) return;
    this.puts++;
    for (const w of this.waiters.filter((x) => x.n <= this.puts)) w.fire();
    this.waiters = this.waiters.filter((x) => x.n > this.puts);
  }
  /** Fires every waiter (the round ended before enough packs were stored). */
  releaseAll(): void {
    for (const w of this.waiters) w.fire();
    this.waiters = [];
  }
  get(key: string, range?: ByteRange): Promise<Buffer> { return this.inner.get(key, range); }
  stat(key: string): Promise<ObjectInfo> { return this.inner.stat(key); }
  list(prefix: string): AsyncIterable<ObjectInfo> { return this.inner.list(prefix); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
  close(): Promise<void> { return this.inner.close(); }
}

/**
 * A source's state: for each file, which version of its content it holds. The bytes of
 * (file, version) are always the same, so going back to an old version reproduces data
 * that a forget may have left unreferenced — a backup deduplicating against it while a
 * prune wants to delete it is the race under test.
 */
async function writeSource(dir: string, seed: number, name: string, versions: number[]): Promise<void> {
  await mkdir(join(dir, 'sub'), { recursive: true });
  for (const [f, v] of versions.entries()) {
    const rng = new SeededRandom((seed ^ (SOURCES.indexOf(name) * 7919 + f * 104729 + v * 15485863)) >>> 0);
    const size = f === 0 ? 150 * KiB + rng.below(100 * KiB) : rng.below(12 * KiB);
    await writeFile(join(dir, f % 2 ? 'sub' : '', `f${f}`), rng.bytes(size));
  }
}

test('backups of three sources racing a prune, 20 seeded rounds: every backup succeeds, check --read-data is clean, every snapshot restores', { timeout: 20 * 60_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-race-'));
  try {
    await withSeed(seed, async () => {
      const rng = new SeededRandom(seed);
      const trigger = new PutTrigger(new LocalBackend(join(dir, 'repo'), { fsync: false }));
      const init = await initRepository(trigger, { passphrase: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });
      // One long-lived handle per source, as an agent keeps repositories open between tasks.
      const handles = SOURCES.map(() => new Repository(trigger, { ...init.config, packSize: 64 * KiB }, init.master));
      const states = SOURCES.map(() => Array.from({ length: FILES }, () => 0));
      let nextVersion = 1;
      const expected = new Map<string, Map<string, TreeEntry>>();
      const restored = new Set<string>();
      const waits = { backupForPrune: 0, pruneForBackup: 0 };
      let reverted = 0;
      let reclaimed = 0;
      const lockWait = (who: 'backup' | 'prune'): LockWaitOptions => ({
        timeoutMs: 120_000, pollMs: 5, maxPollMs: 50,
        onWait: (w) => {
          if (who === 'backup' && w.holder.purpose === 'prune') waits.backupForPrune++;
          if (who === 'prune' && w.holder.purpose === 'backup') waits.pruneForBackup++;
        },
      });

      for (let round = 0; round < ROUNDS; round++) {
        // Change each source: some files get new content, some go back to content of an older version.
        for (const [i, name] of SOURCES.entries()) {
          for (let f = 0; f < FILES; f++) {
            const r = rng.below(10);
            if (r < 3) states[i]![f] = nextVersion++;
            else if (r === 3 && states[i]![f]! > 0) { states[i]![f] = rng.below(states[i]![f]!); reverted++; }
          }
          await writeSource(join(dir, name), seed, name, states[i]!);
        }
        const sourceTrees = await Promise.all(SOURCES.map((n) => describeTree(join(dir, n))));
        // Forget all but the newest two of each source: their data is what the prune goes after.
        const pruner = rng.below(2) === 0 ? handles[rng.below(SOURCES.length)]! : new Repository(trigger, init.config, init.master);
        await forgetByPolicy(pruner, { last: 2 }, { groupBy: ['paths'] });

        const runBackup = async (i: number): Promise<void> => {
          const r = await backup(handles[i]!, { sourceDir: join(dir, SOURCES[i]!), workers: 1, scan: false, lockWait: lockWait('backup') });
          assert.deepEqual(r.summary.errors, []);
          expected.set(r.snapshot.id, sourceTrees[i]!);
        };
        const order = SOURCES.map((_, i) => i);
        for (let i = order.length - 1; i > 0; i--) { const j = rng.below(i + 1); [order[i], order[j]] = [order[j]!, order[i]!]; }
        const maxUnused = [0, 0.05, 0.2][rng.below(3)]!;
        const mode = rng.below(2) === 0 ? 'prune-first' : 'backups-first';
        let how: string;
        let work: Promise<unknown>[];
        if (mode === 'prune-first') {
          // The backups start when the prune reaches a chosen step (it holds its exclusive lock from load-index on).
          const at = PRUNE_STEPS[rng.below(PRUNE_STEPS.length - 1)]!;
          how = `backups start at prune step ${at}`;
          const backups: Promise<unknown>[] = [];
          const p = prune(pruner, {
            maxUnused, workers: 1, lockWait: lockWait('prune'),
            hooks: { onStep: (s: PruneStep) => { if (s === at) for (const i of order) backups.push(runBackup(i)); } },
          });
          work = [p.then((r) => { reclaimed += r.bytesReclaimed; }), p.then(() => Promise.all(backups))];
        } else {
          // The prune starts after the backups have stored a chosen number of packs.
          const n = 1 + rng.below(4);
          how = `prune starts after ${n} pack(s) stored`;
          const backups = order.map((i) => runBackup(i));
          const p = trigger.afterPuts(n).then(() => prune(pruner, { maxUnused, workers: 1, lockWait: lockWait('prune') }));
          work = [...backups, p.then((r) => { reclaimed += r.bytesReclaimed; })];
          void Promise.allSettled(backups).then(() => trigger.releaseAll());
        }
        await Promise.all(work);

        const where = `round ${round} (${how}, max unused ${maxUnused})`;
        const reader = handles[rng.below(SOURCES.length)]!;
        const ck = await check(reader, { readData: true, workers: 1 });
        assert.deepEqual(ck.errors, [], `${where}: check --read-data`);
        const present = (await listSnapshots(reader)).map((s) => s.id);
        assert.equal(present.length, SOURCES.length * (round === 0 ? 1 : round === 1 ? 2 : 3), `${where}: two kept and one new snapshot per source`);
        // This round's snapshots restore now; the older ones again at the end, after every later prune.
        for (const id of present.filter((s) => !restored.has(s))) {
          const out = join(dir, 'out');
          await restore(reader, { snapshotId: id, targetDir: out, workers: 1 });
          assert.deepEqual(await describeTree(out), expected.get(id), `${where}: snapshot ${id.slice(0, 8)} restores exactly`);
          await rm(out, { recursive: true, force: true });
          restored.add(id);
        }
      }
      const last = handles[0]!;
      for (const id of (await listSnapshots(last)).map((s) => s.id)) {
        const out = join(dir, 'out');
        await restore(last, { snapshotId: id, targetDir: out, workers: 1 });
        assert.deepEqual(await describeTree(out), expected.get(id), `after all rounds: snapshot ${id.slice(0, 8)} restores exactly`);
        await rm(out, { recursive: true, force: true });
      }
      t.diagnostic(`${ROUNDS} rounds: backups waited for a prune ${waits.backupForPrune} times, prunes waited for backups ${waits.pruneForBackup} times; ` +
        `${reverted} file versions reverted; ${(reclaimed / KiB).toFixed(0)} KiB reclaimed; ${((Date.now() - started) / 1000).toFixed(0)} s`);
      assert.ok(waits.backupForPrune > 0 && waits.pruneForBackup > 0, 'the rounds made backups and prunes wait for each other');
      assert.ok(reclaimed > 0, 'the prunes reclaimed space');
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
