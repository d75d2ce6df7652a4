import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock, backup, listSnapshots, openRepository, type PruneReport } from '../../src/repo/index.js';
import { LocalBackend } from '../../src/storage/index.js';
import { SeededRandom, testSeed, withSeed } from '../../src/storage/testing/index.js';
import { CBS_BIN, runCbs, type CliResult } from '../helpers/processes.js';
import { comparableTree as describeTree, bulkTree as makeTree, rewriteSome } from '../../src/testing/trees.js';

const PASSWORD = 'prune cli passphrase';
const CLEAN_ENV = { CBS_REPO: '', CBS_REPO_PASSWORD: '', CBS_REPO_PASSWORD_FILE: '', CBS_REPO_KEY_FILE: '', CBS_DEBUG: '' };

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

/** Starts `cbs ARGS`, resolves `waiting` when stderr says it waits for a lock, and `done` at exit. */
function startCbs(args: string[], env: NodeJS.ProcessEnv): { waiting: Promise<string>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CBS_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let onWait: (s: string) => void = () => undefined;
  let noWait: (e: Error) => void = () => undefined;
  const waiting = new Promise<string>((resolve, reject) => { onWait = resolve; noWait = reject; });
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('waiting for the repository lock')) onWait(stderr);
  });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      noWait(new Error(`cbs ${args.join(' ')} exited (${code}) without waiting for a lock:\n${stderr}`));
      resolve({ code, stdout, stderr });
    });
  });
  // A test that fails before the lock is released must not leave the child waiting.
  setTimeout(() => child.kill('SIGKILL'), 90_000).unref();
  return { waiting, done };
}

test('cbs repo forget and prune: dry runs change nothing, policies and ids remove snapshots, prune reclaims, the rest restores', { timeout: 4 * 60_000 }, async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-cli-'));
  try {
    await withSeed(seed, async () => {
      const rng = new SeededRandom(seed);
      const src = join(dir, 'src');
      const files = await makeTree(src, rng, { smallFiles: 60, bigFiles: [2 * 1024 * 1024 + 3] });
      const repoDir = join(dir, 'repo');
      const env = { ...CLEAN_ENV, CBS_REPO: `local:${repoDir}`, CBS_REPO_PASSWORD: PASSWORD };
      const cbs = (args: string[]): Promise<CliResult> => runCbs(['repo', ...args], { env, timeoutMs: 120_000 });
      ok(await cbs(['init']), 'init');
      const repo = await openRepository(new LocalBackend(repoDir), { passphrase: PASSWORD });
      const snaps: string[] = [];
      for (let v = 0; v < 4; v++) {
        if (v > 0) await rewriteSome(src, files, rng, 0.5);
        snaps.push((await backup(repo, { sourceDir: src, workers: 1 })).snapshot.id);
      }
      const latest = await describeTree(src);

      const usage = await cbs(['forget', snaps[0]!, '--keep-last', '1']);
      assert.equal(usage.code, 1);
      assert.match(usage.stderr, /^cbs: give snapshot ids or a --keep policy, not both\n$/);
      assert.match((await cbs(['forget'])).stderr, /nothing to forget/);
      assert.match((await cbs(['forget', '--keep-daily', '0'])).stderr, /would remove every snapshot/);

      const dry = JSON.parse(ok(await cbs(['forget', '--keep-last', '2', '--dry-run', '--json']), 'forget --dry-run').stdout) as
        { dryRun: boolean; removed: string[]; groups: { snapshots: { id: string; keep: boolean; reasons: string[] }[] }[] };
      assert.equal(dry.dryRun, true);
      assert.deepEqual(dry.removed.sort(), [snaps[0]!, snaps[1]!].sort());
      assert.deepEqual(dry.groups[0]!.snapshots.map((s) => [s.id, s.keep]), [[snaps[3], true], [snaps[2], true], [snaps[1], false], [snaps[0], false]]);
      assert.equal((await listSnapshots(repo)).length, 4, 'a dry run removes nothing');
      const human = ok(await cbs(['forget', '--keep-last', '2', '--dry-run']), 'forget --dry-run (text)').stdout;
      assert.match(human, /would remove 2 snapshot\(s\), kept 2/);
      assert.match(human, /keep\s+last/);

      const byId = JSON.parse(ok(await cbs(['forget', snaps[0]!.slice(0, 10), '--json']), 'forget id').stdout) as { removed: string[] };
      assert.deepEqual(byId.removed, [snaps[0]]);

      const plan = JSON.parse(ok(await cbs(['prune', '--dry-run', '--max-unused', '0', '--json']), 'prune --dry-run').stdout) as PruneReport;
      assert.equal(plan.dryRun, true);
      assert.ok(plan.packsDeleted + plan.packsRepacked > 0, JSON.stringify(plan));
      const text = ok(await cbs(['prune', '--dry-run']), 'prune --dry-run (text)').stdout;
      assert.match(text, /^prune plan \(dry run: nothing changed\)/);
      assert.match(text, /would be reclaimed/);

      const both = JSON.parse(ok(await cbs(['forget', '--keep-last', '1', '--prune', '--max-unused', '0%', '--json']), 'forget --prune').stdout) as
        { removed: string[]; prune: PruneReport };
      assert.deepEqual(both.removed.sort(), [snaps[1]!, snaps[2]!].sort());
      assert.equal(both.prune.dryRun, false);
      assert.ok(both.prune.bytesReclaimed > 0);
      assert.ok(both.prune.blobsRemoved >= plan.blobsRemoved, 'forgetting more removes at least as much');

      const check = JSON.parse(ok(await cbs(['check', '--read-data', '--json']), 'check').stdout) as { ok: boolean; snapshots: number };
      assert.deepEqual([check.ok, check.snapshots], [true, 1]);
      ok(await cbs(['restore', snaps[3]!, '--target', join(dir, 'out')]), 'restore');
      assert.deepEqual(await describeTree(join(dir, 'out')), latest);
      const again = JSON.parse(ok(await cbs(['prune', '--max-unused', '0', '--json']), 'prune again').stdout) as PruneReport;
      assert.equal(again.packsDeleted + again.packsRepacked, 0);
      assert.match((await cbs(['prune', '--max-unused', '150%'])).stderr, /--max-unused/);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('cbs repo: prune waits for a running backup, and a backup waits for a running prune, saying so on stderr', { timeout: 2 * 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-prune-wait-'));
  try {
    const repoDir = join(dir, 'repo');
    const env = { ...CLEAN_ENV, CBS_REPO: `local:${repoDir}`, CBS_REPO_PASSWORD: PASSWORD };
    ok(await runCbs(['repo', 'init'], { env }), 'init');
    await writeFile(join(dir, 'file'), 'content');
    const repo = await openRepository(new LocalBackend(repoDir), { passphrase: PASSWORD, skipIndex: true });

    const shared = await acquireLock(repo, { exclusive: false, purpose: 'backup' });
    const p = startCbs(['repo', 'prune', '--json'], env);
    assert.match(await p.waiting, /held by backup \(pid \d+/);
    await shared.release();
    const pr = await p.done;
    assert.equal(pr.code, 0, pr.stderr);
    assert.equal((JSON.parse(pr.stdout) as PruneReport).dryRun, false);

    const exclusive = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
    const b = startCbs(['repo', 'backup', dir, '--lock-wait', '10m'], env);
    assert.match(await b.waiting, /held by prune/);
    await exclusive.release();
    const br = await b.done;
    assert.equal(br.code, 0, br.stderr);
    assert.match(br.stdout, /snapshot [0-9a-f]{16} saved/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
