import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backup, check, initRepository, isStale, listLocks, openRepository, restore } from '../../src/repo/index.js';
import { LocalBackend, type Backend } from '../../src/storage/index.js';
import { SeededRandom, testSeed, withSeed } from '../../src/storage/testing/index.js';
import { runCbs } from '../helpers/processes.js';
import { bulkTree, describeTree, diffTrees, rewriteSome } from '../../src/testing/trees.js';

const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'crash-child.js');
const PASSWORD = 'crash-test-passphrase';
const MiB = 1024 * 1024;
/** Runs of kill → check → backup → restore. CBS_CRASH_RUNS raises it for a longer soak. */
const RUNS = Number(process.env['CBS_CRASH_RUNS'] ?? 20);
/** Small packs so a ~34 MiB backup uploads a dozen of them and a kill can fall between uploads. */
const CHILD_PACK_SIZE = 2 * MiB;

async function dataObjects(b: Backend): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for await (const o of b.list('data/')) m.set(o.key, o.size);
  return m;
}

async function treeBytes(dir: string, files: readonly string[]): Promise<number> {
  let n = 0;
  for (const f of files) n += (await stat(join(dir, f))).size;
  return n;
}

interface ChildRun { killed: boolean; pid: number }

/** Runs a backup child that kills itself at its `killAt`-th pack upload (`when`: before, during or after it). */
async function backupAndKill(location: string, source: string, killAt: number, when: 'before' | 'during' | 'after'): Promise<ChildRun> {
  const child = spawn(process.execPath, [CHILD, location, source, String(CHILD_PACK_SIZE), String(killAt), when], {
    env: { ...process.env, CBS_REPO_PASSWORD: PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  child.stdout.resume();
  const [code, signal] = await (once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>);
  if (signal === null) assert.equal(code, 0, `backup child failed on its own:\n${err}`);
  return { killed: signal === 'SIGKILL', pid: child.pid! };
}

test('a backup killed with SIGKILL at a seeded pack upload (before, during or after it) leaves a repository that checks, backs up again, restores byte-equal and reuses uploads', { timeout: 15 * 60_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-crash-'));
  try {
    await withSeed(seed, async () => {
      const rng = new SeededRandom(seed);
      const src = join(dir, 'src');
      const files = await bulkTree(src, rng, { smallFiles: 1200, bigFiles: [9 * MiB + 5, 7 * MiB, 5 * MiB + 17, 3 * MiB] });
      const repoDir = join(dir, 'repo');
      const backend = new LocalBackend(repoDir);
      await initRepository(backend, { passphrase: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });

      let killed = 0;
      let uploadedByKilled = 0;
      let reused = 0;
      const childPids = new Set<number>();
      for (let run = 0; run < RUNS; run++) {
        // Bytes of content the repository has never seen: all of it at first, then what this run rewrote.
        const fresh = run === 0 ? await treeBytes(src, files) : await rewriteSome(src, files, rng, 0.4);
        const before = await dataObjects(backend);
        // Random content does not compress: about fresh / CHILD_PACK_SIZE packs are uploaded, so the kill lands inside the backup.
        const packs = Math.max(1, Math.floor(fresh / CHILD_PACK_SIZE));
        const killAt = 1 + rng.below(packs);
        const when = (["before", "during", "after"] as const)[rng.below(3)]!;
        const c = await backupAndKill(`local:${repoDir}`, src, killAt, when);
        childPids.add(c.pid);
        const after = await dataObjects(backend);
        let uploaded = 0;
        for (const [k, size] of after) if (!before.has(k)) uploaded += size;
        const where = `run ${run} (kill ${when} pack upload ${killAt} of ~${packs}, ${c.killed ? 'killed' : 'finished first'}, ${(uploaded / MiB).toFixed(1)} MiB of packs uploaded)`;

        const repo = await openRepository(backend, { passphrase: PASSWORD });
        // Killed processes' locks stay behind; the dead-pid rule makes them stale, so they block nothing.
        for (const l of await listLocks(repo)) {
          assert.ok(childPids.has(l.doc.pid), `${where}: only killed children can have left a lock (pid ${l.doc.pid})`);
          assert.ok(isStale(l.doc), `${where}: a dead process's lock is stale`);
        }
        const ck = await check(repo, { readData: run % 5 === 4 });
        assert.deepEqual(ck.errors, [], `${where}: check after the kill`);

        const next = await backup(repo, { sourceDir: src, parent: 'latest', workers: 2 });
        assert.deepEqual(next.summary.errors, [], where);
        if (c.killed) {
          killed++;
          uploadedByKilled += uploaded;
          // Random content is unique, so without reuse the backup would add all rewritten bytes again.
          reused += Math.max(0, fresh - next.summary.dataAdded);
        } else {
          assert.equal(next.summary.dataAdded, 0, `${where}: a finished backup left nothing to add`);
        }
        const out = join(dir, `out-${run}`);
        await restore(repo, { snapshotId: next.snapshot.id, targetDir: out, workers: 2 });
        assert.deepEqual(diffTrees(await describeTree(src), await describeTree(out)), [], `${where}: restore equals the source`);
        await rm(out, { recursive: true, force: true });
        t.diagnostic(`${where}; next backup added ${(next.summary.dataAdded / MiB).toFixed(1)} MiB`);
      }
      t.diagnostic(`${killed}/${RUNS} runs killed mid-backup; they uploaded ${(uploadedByKilled / MiB).toFixed(1)} MiB of packs; the next backups reused ${(reused / MiB).toFixed(1)} MiB`);
      // A run whose backup needed fewer packs than estimated finishes first and still proves the later steps; the kills are the point, though.
      assert.ok(killed >= RUNS / 2, `too few runs died mid-backup to test anything (${killed}/${RUNS})`);

      // The CLI honours the stale rule too, and `unlock` clears what the kills left.
      const env = { CBS_REPO: `local:${repoDir}`, CBS_REPO_PASSWORD: PASSWORD };
      const cli = await runCbs(['repo', 'check', '--read-data', '--json'], { env, timeoutMs: 120_000 });
      assert.equal(cli.code, 0, cli.stderr);
      assert.equal((JSON.parse(cli.stdout) as { ok: boolean }).ok, true);
      const unlock = await runCbs(['repo', 'unlock', '--json'], { env });
      assert.equal(unlock.code, 0, unlock.stderr);
      const repo = await openRepository(backend, { passphrase: PASSWORD, skipIndex: true });
      assert.deepEqual(await listLocks(repo), [], 'unlock removed every stale lock');

      // A killed backup's packs are not in any index; the next backup adopts them (reads
      // their headers) instead of uploading their blobs again. Tree blobs and the packs a
      // kill cut short before their rename are the slack.
      await t.test('packs a killed backup uploaded are reused by the next backup', () => {
        assert.ok(uploadedByKilled > 0, 'some killed runs uploaded packs');
        assert.ok(reused >= uploadedByKilled * 0.8,
          `next backups re-added data the killed ones had uploaded: ${(uploadedByKilled / MiB).toFixed(1)} MiB uploaded, ${(reused / MiB).toFixed(1)} MiB reused`);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
