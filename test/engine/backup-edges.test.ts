import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, open, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { LocalBackend, MemBackend } from '../../src/storage/index.js';
import { backup, check, listDir, openRepository, restore, type BackupProgress } from '../../src/repo/index.js';
import { TEST_SCRYPT, testRepo, withTempDir } from '../../src/repo/testing/fixtures.js';
import { SeededRandom, testSeed } from '../../src/testing/seeded-random.js';
import { describeTree, diffTrees } from '../../src/testing/trees.js';

const MiB = 1024 * 1024;
const DIST = resolve(import.meta.dirname, '../..');

test('unreadable files and directories are counted and named as skipped and the backup goes on', async () => {
  await withTempDir(async (dir) => {
    await chmod(dir, 0o755);
    const src = join(dir, 'src');
    await mkdir(join(src, 'closed'), { recursive: true });
    await writeFile(join(src, 'ok'), 'readable');
    await writeFile(join(src, 'secret'), 'unreadable');
    await writeFile(join(src, 'closed', 'inside'), 'x');
    await chmod(join(src, 'secret'), 0o000);
    await chmod(join(src, 'closed'), 0o000);
    const bucket = join(dir, 'bucket');
    await mkdir(bucket, { mode: 0o777 });
    await chmod(bucket, 0o777);
    // Root reads everything, so the backup runs as an unprivileged user when we are root.
    const script = `
      import { LocalBackend } from ${JSON.stringify(join(DIST, 'src/storage/index.js'))};
      import { initRepository, backup } from ${JSON.stringify(join(DIST, 'src/repo/index.js'))};
      const repo = await initRepository(new LocalBackend(process.argv[2]), { passphrase: 'p', scryptParams: ${JSON.stringify(TEST_SCRYPT)} });
      const r = await backup(repo, { sourceDir: process.argv[3] });
      process.stdout.write(JSON.stringify({ summary: r.summary, skipped: r.skipped }));`;
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    const scriptFile = join(dir, 'backup-as-user.mjs');
    await writeFile(scriptFile, script);
    await chmod(scriptFile, 0o644);
    const { stdout } = await promisify(execFile)(process.execPath, [scriptFile, bucket, src], { ...asUser, cwd: '/' });
    const { summary, skipped } = JSON.parse(stdout) as { summary: { errors: { path: string; message: string; skipped?: boolean }[]; totalFiles: number; skipped: number }; skipped: { count: number; paths: string[] } };
    assert.deepEqual(summary.errors.map((e) => [e.path, e.skipped]).sort(), [['/closed', true], ['/secret', true]]);
    assert.equal(summary.skipped, 2);
    assert.deepEqual({ ...skipped, paths: [...skipped.paths].sort() }, { count: 2, paths: ['/closed', '/secret'] });
    assert.ok(summary.errors.every((e) => /EACCES|permission denied/i.test(e.message)), JSON.stringify(summary.errors));
    assert.equal(summary.totalFiles, 1);
    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'p' });
    const names = (await listDir(repo, 'latest', '/')).entries.map((e) => e.name);
    assert.deepEqual(names, ['closed', 'ok'], 'the unreadable dir is kept (empty), the unreadable file is left out');
  });
});

test('fifos are restored, sockets are recorded and reported as skipped on restore; sparse files restore sparse', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const src = join(dir, 'src');
    await mkdir(src);
    const mk = spawnSync('mkfifo', ['-m', '640', join(src, 'pipe')]);
    assert.equal(mk.status, 0, 'mkfifo available');
    const sock = createServer();
    await new Promise<void>((r) => sock.listen(join(src, 'sock'), r));
    const f = await open(join(src, 'sparse'), 'w');
    await f.truncate(64 * MiB);
    await f.write(new SeededRandom(seed).bytes(4096), 0, 4096, 40 * MiB);
    await f.close();
    const repo = await testRepo(new MemBackend());
    const before = await describeTree(src);
    const { summary } = await backup(repo, { sourceDir: src });
    await new Promise((r) => sock.close(r));
    assert.deepEqual(summary.errors, []);
    assert.equal(summary.skipped, 0);
    assert.ok(summary.dataAddedStored < 2 * MiB, `zero chunks dedup and compress: stored ${summary.dataAddedStored}`);
    const top = await listDir(repo, 'latest', '/');
    assert.deepEqual(top.entries.map((e) => [e.name, e.type, e.special]), [['pipe', 'other', 'fifo'], ['sock', 'other', 'socket'], ['sparse', 'file', undefined]]);
    const out = join(dir, 'out');
    const r = await restore(repo, { snapshotId: 'latest', targetDir: out });
    assert.equal(r.specials, 1);
    assert.equal(r.skipped, 1);
    assert.deepEqual(r.skippedItems.map((i) => i.path), ['/sock']);
    assert.match(r.skippedItems[0]!.reason, /socket/);
    before.delete('sock');
    assert.deepEqual(diffTrees(before, await describeTree(out)), []);
    assert.equal((await describeTree(out)).get('pipe')?.type, 'fifo');
    const st = await stat(join(out, 'sparse'));
    assert.equal(st.size, 64 * MiB);
    assert.ok(st.blocks * 512 < 16 * MiB, `restored file allocates ${st.blocks * 512} bytes`);
  });
});

test('progress reaches the totals; an aborted backup leaves a repository that checks and backs up again', async (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  await withTempDir(async (dir) => {
    const rng = new SeededRandom(seed);
    const src = join(dir, 'src');
    await mkdir(join(src, 'a'), { recursive: true });
    for (let i = 0; i < 40; i++) await writeFile(join(src, i % 2 ? 'a' : '', `f${i}`), rng.bytes(rng.int(1, 3 * MiB)));
    const repo = await testRepo(new MemBackend());
    const reports: BackupProgress[] = [];
    await backup(repo, { sourceDir: src, onProgress: (p) => reports.push(p) });
    const last = reports[reports.length - 1]!;
    assert.equal(last.filesDone, 40);
    assert.equal(last.filesTotal, 40);
    assert.equal(last.bytesDone, last.bytesTotal);

    await writeFile(join(src, 'new'), rng.bytes(20 * MiB));
    const ac = new AbortController();
    let aborted = false;
    const run = backup(repo, { sourceDir: src, parent: 'latest', signal: ac.signal, onProgress: () => { if (!aborted) { aborted = true; ac.abort(); } } });
    ac.abort();
    await assert.rejects(run, (e: unknown) => (e as Error).name === 'AbortError');
    const c = await check(repo, { readData: true });
    assert.deepEqual(c.errors, []);
    const { snapshot } = await backup(repo, { sourceDir: src, parent: 'latest' });
    await restore(repo, { snapshotId: snapshot.id, targetDir: join(dir, 'out') });
    assert.deepEqual(diffTrees(await describeTree(src), await describeTree(join(dir, 'out'))), []);
  });
});
