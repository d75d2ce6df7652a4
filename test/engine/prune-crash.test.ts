import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  backup, check, forget, initRepository, listLocks, listSnapshots, openRepository, prune, Repository, restore, type PruneStep,
} from '../../src/repo/index.js';
import { LocalBackend } from '../../src/storage/index.js';
import { SeededRandom, testSeed, withSeed } from '../../src/storage/testing/index.js';
import { comparableTree as describeTree, bulkTree as makeTree, type TreeEntry } from '../../src/testing/trees.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'prune-crash-child.js');
const PASSWORD = 'prune-crash-passphrase';
const KiB = 1024;
/** Tiny packs, for the backups and the repack alike, so a small repository has many objects to kill between. */
const PACK_SIZE = 16 * KiB;
/** Kill points verified at once (each is a child process, then checks in this process). */
const LANES = 2;

interface ChildRun { code: number | null; signal: NodeJS.Signals | null; pid: number; out: string; err: string }

function runChild(repoDir: string, killAt: number, forgetIds: readonly string[]): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, repoDir, String(killAt), String(PACK_SIZE), forgetIds.join(',')], {
      env: { ...process.env, CBS_REPO_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, pid: child.pid!, out, err }));
  });
}

/** The steps of a run and the number of storage operations done when each started. */
function stepsOf(out: string): { step: string; at: number }[] {
  return [...out.matchAll(/^step (\S+) (\d+)$/gm)].map((m) => ({ step: m[1]!, at: Number(m[2]) }));
}

async function indexedBlobs(repo: Repository): Promise<string[]> {
  return [...repo.index.entries()].map((e) => e.id.toString('hex')).sort();
}

test('prune killed with SIGKILL after each of its storage operations: check --read-data is clean, every snapshot restores, the next run finishes the work', { timeout: 20 * 60_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const started = Date.now();
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-crash-'));
  try {
    await withSeed(seed, async () => {
      // Eight versions of a small tree, backed up with 16 KiB packs; forget five, keep three.
      const rng = new SeededRandom(seed);
      const src = join(dir, 'src');
      const files = await makeTree(src, rng, { smallFiles: 40, smallMax: 12 * KiB, bigFiles: [100 * KiB, 70 * KiB + 7, 40 * KiB] });
      const base = join(dir, 'base');
      const opened = await initRepository(new LocalBackend(base), { passphrase: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });
      const writer = new Repository(opened.backend, { ...opened.config, packSize: PACK_SIZE }, opened.master);
      const expected = new Map<string, Map<string, TreeEntry>>();
      const order: string[] = [];
      for (let v = 0; v < 8; v++) {
        // The same third of the files changes each time (fresh bytes, same size): what a forgotten version wrote
        // there only it uses, and every seed makes about as many packs.
        if (v > 0) for (const [i, f] of files.entries()) if (i % 3 === 0) await writeFile(join(src, f), rng.bytes((await stat(join(src, f))).size));
        const s = await backup(writer, { sourceDir: src, workers: 1 });
        expected.set(s.snapshot.id, await describeTree(src));
        order.push(s.snapshot.id);
      }
      const forgetIds = [order[0]!, order[2]!, order[3]!, order[5]!, order[6]!];
      const kept = order.filter((id) => !forgetIds.includes(id));

      // The uninterrupted run: its steps, its storage operations, and the state it ends in.
      const refDir = join(dir, 'reference');
      await cp(base, refDir, { recursive: true });
      const ref = await runChild(refDir, 0, forgetIds);
      assert.equal(ref.code, 0, ref.err);
      const total = [...ref.out.matchAll(/^op \d+ /gm)].length;
      const steps = stepsOf(ref.out);
      const refRepo = await openRepository(new LocalBackend(refDir), { passphrase: PASSWORD });
      const refBlobs = await indexedBlobs(refRepo);
      assert.deepEqual((await listSnapshots(refRepo)).map((s) => s.id).sort(), [...kept].sort());
      t.diagnostic(`uninterrupted forget + prune: ${total} storage operations; steps (operations done when each started): ` +
        steps.map((s) => `${s.step}@${s.at}`).join(' '));
      assert.ok(total >= 50, `a run must have at least 50 kill points, this one has ${total}: make the repository larger`);
      for (const s of ['repack', 'write-index', 'delete-index', 'delete-packs'] satisfies PruneStep[]) {
        const i = steps.findIndex((x) => x.step === s);
        assert.ok(i >= 0 && steps[i + 1]!.at > steps[i]!.at, `step ${s} performs storage operations`);
      }

      const killedIn = new Map<string, number>();
      const point = async (n: number): Promise<void> => {
        const repoDir = join(dir, `kill-${n}`);
        await cp(base, repoDir, { recursive: true });
        const c = await runChild(repoDir, n, forgetIds);
        const where = `kill after storage operation ${n}/${total} (${/^op \d+ (.*)$/m.exec(c.out.split('\n').filter((l) => l.startsWith(`op ${n} `))[0] ?? '')?.[1] ?? '?'})`;
        assert.equal(c.signal, 'SIGKILL', `${where}: the child must die at its kill point:\n${c.err}`);
        const step = [...stepsOf(c.out)].reverse().find((s) => s.at < n)?.step ?? '?';
        killedIn.set(step, (killedIn.get(step) ?? 0) + 1);

        const backend = new LocalBackend(repoDir, { fsync: false });
        const repo = await openRepository(backend, { passphrase: PASSWORD, skipIndex: true });
        // What `cbs repo unlock` does for a dead process's lock (it is stale on this host anyway).
        for (const l of await listLocks(repo)) if (l.doc.pid === c.pid && l.doc.hostname === hostname()) await repo.deleteObject('lock', l.id);
        const ck = await check(repo, { readData: true, workers: 1 });
        assert.deepEqual(ck.errors, [], `${where}: check --read-data`);
        const present = (await listSnapshots(repo)).map((s) => s.id);
        for (const id of kept) assert.ok(present.includes(id), `${where}: kept snapshot ${id.slice(0, 8)} exists`);
        const reader = await openRepository(backend, { passphrase: PASSWORD });
        await Promise.all(kept.map(async (id) => {
          const out = join(repoDir, `restore-${id.slice(0, 8)}`);
          await restore(reader, { snapshotId: id, targetDir: out, workers: 1 });
          assert.deepEqual(await describeTree(out), expected.get(id), `${where}: snapshot ${id.slice(0, 8)} restores byte for byte`);
        }));
        // The next run (forget + prune again) finishes the work: the same snapshots and blobs as the uninterrupted run, nothing left over.
        await forget(repo, forgetIds, { ignoreMissing: true });
        await prune(repo, { maxUnused: 0, workers: 1, packSize: PACK_SIZE });
        const after = await openRepository(backend, { passphrase: PASSWORD });
        assert.deepEqual(await indexedBlobs(after), refBlobs, `${where}: the next prune leaves exactly the live blobs`);
        // A dry run also walks every tree and finds every blob it needs in an existing pack (it throws otherwise).
        const left = await prune(after, { dryRun: true, maxUnused: 0, workers: 1 });
        assert.deepEqual([left.packsDeleted, left.packsRepacked, left.packsUnindexed, left.snapshotsKept], [0, 0, 0, kept.length], `${where}: nothing left to prune`);
        await rm(repoDir, { recursive: true, force: true });
      };
      let next = 1;
      await Promise.all(Array.from({ length: LANES }, async () => {
        while (next <= total) await point(next++);
      }));
      t.diagnostic(`killed ${total} times; kill points per step: ${[...killedIn].map(([s, k]) => `${s} ${k}`).join(', ')}; ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s`);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
