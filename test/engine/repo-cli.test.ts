import assert from 'node:assert/strict';
import { mkdtemp, open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { acquireLock, listLocks, openRepository } from '../../src/repo/index.js';
import { LocalBackend } from '../../src/storage/index.js';
import { SeededRandom, startS3rver, testSeed, withSeed } from '../../src/storage/testing/index.js';
import { runCbs, type CliResult } from '../helpers/processes.js';
import { bulkTree, describeTree, diffTrees } from '../../src/testing/trees.js';

const MiB = 1024 * 1024;
const PASSWORD = 'correct horse battery staple';

/** Environment that pins every repo setting, so the caller's own CBS_REPO* never leaks in. */
const CLEAN_ENV = { CBS_REPO: '', CBS_REPO_PASSWORD: '', CBS_REPO_PASSWORD_FILE: '', CBS_REPO_KEY_FILE: '', CBS_DEBUG: '' };

interface Fixture { dir: string; src: string; repo: string; pwFile: string; cbs(args: string[], env?: NodeJS.ProcessEnv): Promise<CliResult> }

async function withFixture(t: { diagnostic(m: string): void }, fn: (f: Fixture, rng: SeededRandom) => Promise<void>): Promise<void> {
  const seed = testSeed();
  t.diagnostic(`seed ${seed} (replay with CBS_TEST_SEED=${seed})`);
  const dir = await mkdtemp(join(tmpdir(), 'cbs-repo-cli-'));
  try {
    await withSeed(seed, async () => {
      const rng = new SeededRandom(seed);
      const src = join(dir, 'src');
      await bulkTree(src, rng, { smallFiles: 300, bigFiles: [3 * MiB + 11] });
      const pwFile = join(dir, 'pw');
      await writeFile(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
      const repo = `local:${join(dir, 'repo')}`;
      const cbs = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
        runCbs(['repo', ...args], { env: { ...CLEAN_ENV, ...env }, timeoutMs: 120_000 });
      await fn({ dir, src, repo, pwFile, cbs }, rng);
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ok(r: CliResult, what: string): CliResult {
  assert.equal(r.code, 0, `${what} failed (exit ${r.code}):\n${r.stderr}`);
  return r;
}

/** One line `cbs: …` on stderr: no stack, no secret. */
function assertOneLineError(r: CliResult, code: string): void {
  assert.equal(r.code, 1, `exit 1 expected, got ${r.code}; stderr:\n${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line expected:\n${r.stderr}`);
  assert.match(lines[0]!, /^cbs: /);
  assert.ok(lines[0]!.includes(code), `${code} expected in: ${lines[0]}`);
  assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  assert.ok(!r.stderr.includes(PASSWORD) && !r.stdout.includes(PASSWORD), 'the passphrase is never printed');
}

test('cbs repo: init → backup → snapshots → ls → restore → check round trip restores every byte', { timeout: 5 * 60_000 }, async (t) => {
  await withFixture(t, async (f) => {
    const o = ['--repo', f.repo, '--password-file', f.pwFile];
    const init = JSON.parse(ok(await f.cbs(['init', ...o, '--json']), 'init').stdout) as { id: string };
    assert.match(init.id, /^[0-9a-f]{64}$/);
    assertOneLineError(await f.cbs(['init', ...o]), 'REPO_EXISTS');

    const b1 = JSON.parse(ok(await f.cbs(['backup', f.src, ...o, '--tag', 'first', '--json']), 'backup').stdout) as
      { snapshot: { id: string; tags: string[] }; summary: { totalFiles: number; filesNew: number; dataAdded: number } };
    assert.deepEqual(b1.snapshot.tags, ['first']);
    assert.equal(b1.summary.filesNew, b1.summary.totalFiles);
    assert.ok(b1.summary.totalFiles >= 303);

    // Passphrase from the environment instead of a file; an unchanged re-backup reads and adds nothing.
    const b2 = JSON.parse(ok(await f.cbs(['backup', f.src, '--repo', f.repo, '--json'], { CBS_REPO_PASSWORD: PASSWORD }), 'backup 2').stdout) as
      { snapshot: { id: string; parent?: string }; summary: { filesUnmodified: number; totalFiles: number; dataAdded: number; bytesRead: number } };
    assert.equal(b2.snapshot.parent, b1.snapshot.id, 'the latest snapshot of the same directory is the parent');
    assert.equal(b2.summary.filesUnmodified, b2.summary.totalFiles);
    assert.equal(b2.summary.dataAdded, 0);
    assert.equal(b2.summary.bytesRead, 0);

    const snaps = JSON.parse(ok(await f.cbs(['snapshots', '--json'], { CBS_REPO: f.repo, CBS_REPO_PASSWORD_FILE: f.pwFile }), 'snapshots').stdout) as
      { snapshots: { id: string; paths: string[] }[] };
    assert.deepEqual(snaps.snapshots.map((s) => s.id), [b1.snapshot.id, b2.snapshot.id]);
    assert.deepEqual(snaps.snapshots[0]!.paths, [f.src]);
    const human = ok(await f.cbs(['snapshots', ...o]), 'snapshots table').stdout;
    assert.ok(human.includes(b1.snapshot.id.slice(0, 16)) && human.includes('first'));

    const top = JSON.parse(ok(await f.cbs(['ls', b1.snapshot.id.slice(0, 12), ...o, '--json']), 'ls /').stdout) as
      { entries: { name: string; path: string; type: string }[] };
    assert.deepEqual(top.entries.map((e) => e.name).sort(), (await readdir(f.src)).sort());
    const deep = JSON.parse(ok(await f.cbs(['ls', 'latest', '/deep/a/b/c', ...o, '--json']), 'ls deep').stdout) as
      { entries: { name: string; path: string; type: string; size: number }[] };
    assert.deepEqual(deep.entries.map((e) => [e.path, e.type]).sort(), [
      ['/deep/a/b/c/empty', 'file'], ['/deep/a/b/c/link-to-d0', 'symlink'], ['/deep/a/b/c/ünïcödé name.txt', 'file'],
    ]);
    assertOneLineError(await f.cbs(['ls', 'latest', '/no/such/dir', ...o]), 'REPO_PATH_NOT_FOUND');

    const out = join(f.dir, 'out');
    ok(await f.cbs(['restore', b1.snapshot.id, '--target', out, ...o]), 'restore');
    assert.deepEqual(diffTrees(await describeTree(f.src), await describeTree(out)), []);

    const part = join(f.dir, 'part');
    ok(await f.cbs(['restore', 'latest', '--target', part, '--include', '/big/b0.bin', '/deep', ...o]), 'partial restore');
    assert.deepEqual(await readFile(join(part, 'big/b0.bin')), await readFile(join(f.src, 'big/b0.bin')));
    assert.deepEqual((await readdir(part)).sort(), ['big', 'deep']);
    assertOneLineError(await f.cbs(['restore', 'latest', '--target', part, '--include', '/big/b0.bin', ...o]), 'REPO_RESTORE_CONFLICT');

    const ck = JSON.parse(ok(await f.cbs(['check', '--read-data', ...o, '--json']), 'check').stdout) as { ok: boolean; snapshots: number; errors: unknown[] };
    assert.deepEqual(ck.errors, []);
    assert.equal(ck.snapshots, 2);
  });
});

test('cbs repo: a wrong or missing passphrase fails with one clear line and exit 1', { timeout: 2 * 60_000 }, async (t) => {
  await withFixture(t, async (f) => {
    ok(await f.cbs(['init', '--repo', f.repo, '--password-file', f.pwFile]), 'init');
    const wrong = join(f.dir, 'wrong');
    await writeFile(wrong, 'not the passphrase\n');
    assertOneLineError(await f.cbs(['snapshots', '--repo', f.repo, '--password-file', wrong]), 'REPO_WRONG_KEY');
    assertOneLineError(await f.cbs(['backup', f.src, '--repo', f.repo], { CBS_REPO_PASSWORD: 'nope' }), 'REPO_WRONG_KEY');
    const none = await f.cbs(['snapshots', '--repo', f.repo]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^cbs: no key given: use --password-file/);
    assertOneLineError(await f.cbs(['snapshots', '--repo', `local:${join(f.dir, 'nothing-here')}`, '--password-file', f.pwFile]), 'REPO_NOT_FOUND');
    // CBS_DEBUG=1 is the way to get the stack.
    const dbg = await f.cbs(['snapshots', '--repo', f.repo, '--password-file', wrong], { CBS_DEBUG: '1' });
    assert.equal(dbg.code, 1);
    assert.ok(dbg.stderr.includes('    at '), 'CBS_DEBUG=1 shows the stack');
  });
});

test('cbs repo: key export, then restore with only the exported key (no passphrase anywhere)', { timeout: 3 * 60_000 }, async (t) => {
  await withFixture(t, async (f) => {
    const o = ['--repo', f.repo, '--password-file', f.pwFile];
    ok(await f.cbs(['init', ...o]), 'init');
    const snap = (JSON.parse(ok(await f.cbs(['backup', f.src, ...o, '--json']), 'backup').stdout) as { snapshot: { id: string } }).snapshot.id;
    const keyFile = join(f.dir, 'repo.key');
    ok(await f.cbs(['key', 'export', ...o, '--output', keyFile]), 'key export');
    const mode = (await stat(keyFile)).mode & 0o777;
    assert.equal(mode, 0o600, 'the key export is written private');
    assert.ok(!(await readFile(keyFile, 'utf8')).includes(PASSWORD));
    const printed = ok(await f.cbs(['key', 'export', ...o]), 'key export to stdout').stdout.trim();
    assert.equal(printed, (await readFile(keyFile, 'utf8')).trim(), 'the same key export on stdout');

    // The passphrase is gone: delete its file and keep it out of the environment.
    await rm(f.pwFile);
    const out = join(f.dir, 'dr');
    ok(await f.cbs(['restore', snap, '--target', out, '--repo', f.repo, '--key-file', keyFile]), 'restore with key export');
    assert.deepEqual(diffTrees(await describeTree(f.src), await describeTree(out)), []);
    ok(await f.cbs(['check', '--repo', f.repo], { CBS_REPO_KEY_FILE: keyFile }), 'check with key export from env');

    // A key export of another repository is refused.
    const other = `local:${join(f.dir, 'other')}`;
    const otherPw = join(f.dir, 'other-pw');
    await writeFile(otherPw, 'other\n');
    ok(await f.cbs(['init', '--repo', other, '--password-file', otherPw]), 'init other');
    assertOneLineError(await f.cbs(['snapshots', '--repo', other, '--key-file', keyFile]), 'REPO_WRONG_KEY');
  });
});

test('cbs repo check: a flipped byte in a pack fails check --read-data naming the pack, exit 1', { timeout: 2 * 60_000 }, async (t) => {
  await withFixture(t, async (f) => {
    const o = ['--repo', f.repo, '--password-file', f.pwFile];
    ok(await f.cbs(['init', ...o]), 'init');
    ok(await f.cbs(['backup', f.src, ...o]), 'backup');
    const repoDir = f.repo.slice('local:'.length);
    const packs: { path: string; size: number }[] = [];
    for (const sub of await readdir(join(repoDir, 'data'))) {
      for (const p of await readdir(join(repoDir, 'data', sub))) {
        const path = join(repoDir, 'data', sub, p);
        packs.push({ path, size: (await stat(path)).size });
      }
    }
    const victim = packs.sort((a, b) => b.size - a.size)[0]!;
    const fh = await open(victim.path, 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, 1000);
    b[0] ^= 0x40;
    await fh.write(b, 0, 1, 1000);
    await fh.close();
    const r = await f.cbs(['check', '--read-data', ...o]);
    assert.equal(r.code, 1);
    const packName = victim.path.slice(victim.path.lastIndexOf('/') + 1);
    assert.ok(r.stdout.includes(packName), `the damaged pack is named:\n${r.stdout}`);
    assert.match(r.stderr, /^cbs: check found \d+ error\(s\) .*\(REPO_INTEGRITY\)\n$/);
  });
});

test('cbs repo on an S3 location (s3rver): init with --create-bucket, backup, restore; a missing bucket fails in one line', { timeout: 3 * 60_000 }, async (t) => {
  const s3 = await startS3rver();
  try {
    await withFixture(t, async (f) => {
      const secretFile = join(f.dir, 's3-secret');
      await writeFile(secretFile, `${s3.secretAccessKey}\n`);
      const repo = `s3:${s3.endpoint}/cli-bucket/team/we1`;
      const o = ['--repo', repo, '--password-file', f.pwFile, '--s3-access-key-id', s3.accessKeyId, '--s3-secret-file', secretFile];
      ok(await f.cbs(['init', ...o, '--create-bucket']), 'init on s3');
      const snap = (JSON.parse(ok(await f.cbs(['backup', f.src, ...o, '--json']), 'backup to s3').stdout) as { snapshot: { id: string } }).snapshot.id;
      const out = join(f.dir, 'out');
      // Keys from the environment this time.
      ok(await f.cbs(['restore', snap, '--target', out, '--repo', repo, '--password-file', f.pwFile],
        { CBS_S3_ACCESS_KEY_ID: s3.accessKeyId, CBS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey }), 'restore from s3');
      assert.deepEqual(diffTrees(await describeTree(f.src), await describeTree(out)), []);
      // s3rver accepts any signature, so the failure to name is a bucket that does not exist.
      const bad = await f.cbs(['snapshots', '--repo', `s3:${s3.endpoint}/no-such-bucket`, '--password-file', f.pwFile],
        { CBS_S3_ACCESS_KEY_ID: s3.accessKeyId, CBS_S3_SECRET_ACCESS_KEY: s3.secretAccessKey });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^cbs: .*no-such-bucket.*\n$/);
      assert.ok(!bad.stderr.includes(s3.secretAccessKey.toLowerCase()) && !bad.stderr.includes('    at '), bad.stderr);
    });
  } finally {
    await s3.stop();
  }
});

test('cbs repo: a live exclusive lock refuses backup with REPO_LOCKED when told not to wait; unlock leaves a live lock alone', { timeout: 2 * 60_000 }, async (t) => {
  await withFixture(t, async (f) => {
    const o = ['--repo', f.repo, '--password-file', f.pwFile];
    ok(await f.cbs(['init', ...o]), 'init');
    const repo = await openRepository(new LocalBackend(f.repo.slice('local:'.length)), { passphrase: PASSWORD, skipIndex: true });
    // This test process is alive, so its lock is not stale by the dead-pid rule.
    const lock = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
    try {
      const r = await f.cbs(['backup', f.src, ...o, '--lock-wait', '0']);
      assertOneLineError(r, 'REPO_LOCKED');
      assert.match(r.stderr, /locked exclusively by prune/);
      const u = JSON.parse(ok(await f.cbs(['unlock', ...o, '--json']), 'unlock').stdout) as { removed: unknown[] };
      assert.deepEqual(u.removed, []);
      assert.equal((await listLocks(repo)).length, 1);
    } finally {
      await lock.release();
    }
    ok(await f.cbs(['backup', f.src, ...o]), 'backup once the lock is released');
    assert.deepEqual(await listLocks(repo), [], 'the backup released its own lock');
  });
});
