import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmod, link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { closeSync, constants, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import {
  closeDir, ensureDirAt, escapeName, listDir, openDirAt, openDirectory, openRepository, pathAt, restore,
} from '../../src/repo/index.js';
import { TEST_SCRYPT, withTempDir } from '../../src/repo/testing/fixtures.js';
import { describeTree, diffTrees } from '../../src/repo/testing/tree-gen.js';
import { LocalBackend } from '../../src/storage/index.js';

const DIST = resolve(import.meta.dirname, '../..');
const PATH_MAX = 4096;
const asRoot = process.getuid?.() === 0;

/** Creates `rel` (bytes, '/'-separated components) under `root` relative to held descriptors, however long the path. */
function createDeep(root: string, dirs: Buffer[], file: Buffer, content: string): void {
  let fd = openDirectory(root);
  for (const d of dirs) {
    const next = ensureDirAt(fd, d, 'x', 0o755);
    closeDir(fd);
    fd = next;
  }
  const f = openSync(pathAt(fd, file), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  writeSync(f, content);
  closeSync(f);
  closeDir(fd);
}

/** Directory names and a file name that make `room` bytes of path after the root's '/' (each dir adds its own '/'). */
function fill(room: number, tag: string): { dirs: Buffer[]; file: Buffer } {
  const dirs: Buffer[] = [];
  let left = room;
  for (let i = 0; left > 255; i++) {
    const n = Math.min(200, left - 31);
    dirs.push(Buffer.from(`${tag}${i}`.padEnd(n, 'd')));
    left -= n + 1;
  }
  return { dirs, file: Buffer.from(tag.padEnd(left, 'f')) };
}

/** Reads a file through descriptors (its path may be longer than PATH_MAX). */
function readDeep(root: string, dirs: Buffer[], file: Buffer): string {
  let fd = openDirectory(root);
  for (const d of dirs) {
    const next = openDirAt(fd, d, 'x');
    closeDir(fd);
    fd = next;
  }
  try {
    return readFileSync(pathAt(fd, file), 'utf8');
  } finally {
    closeDir(fd);
  }
}

test('a hostile tree backed up by an unprivileged user: names byte for byte, special files, paths near PATH_MAX; every skip named', { timeout: 120_000 }, async (t) => {
  await withTempDir(async (dir) => {
    await chmod(dir, 0o755);
    const src = join(dir, 'src');
    await mkdir(src, { mode: 0o755 });
    const put = async (name: Buffer, data: string): Promise<void> => writeFile(Buffer.concat([Buffer.from(src + '/'), name]), data, { mode: 0o644 });
    // Names: not UTF-8, a backslash, something that looks like an escape, 255 bytes (also not UTF-8).
    await put(Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]), 'latin-1 byte');
    await put(Buffer.from([0xc3, 0x28]), 'broken sequence');
    await put(Buffer.from('back\\slash'), 'backslash');
    await put(Buffer.from('looks\\xffescaped'), 'literal');
    await put(Buffer.from('n'.repeat(255)), '255 bytes');
    await put(Buffer.concat([Buffer.alloc(254, 0x78), Buffer.from([0xfe])]), '255 bytes, not UTF-8');
    await symlink(Buffer.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xfe]), Buffer.from(`${src}/link-to-bytes`));
    await put(Buffer.from('hl-a'), 'hard link');
    await link(join(src, 'hl-a'), join(src, 'hl-b'));
    // Special files.
    assert.equal(spawnSync('mkfifo', ['-m', '0640', join(src, 'fifo')]).status, 0);
    if (asRoot) assert.equal(spawnSync('mknod', ['-m', '0644', join(src, 'null-dev'), 'c', '1', '3']).status, 0);
    const sock = createServer();
    await new Promise<void>((r) => sock.listen(join(src, 'sock'), r));
    // Unreadable: a file and a directory.
    await put(Buffer.from('secret'), 'unreadable');
    await chmod(join(src, 'secret'), 0o000);
    await mkdir(join(src, 'closed'));
    await writeFile(join(src, 'closed', 'inside'), 'x');
    await chmod(join(src, 'closed'), 0o000);
    // Paths: one file exactly PATH_MAX - 1 bytes long (the longest backup can read), one beyond.
    const room = PATH_MAX - 1 - Buffer.byteLength(src) - 1;
    assert.equal(Buffer.byteLength(src) + 1 + fill(room, 'near').dirs.reduce((a, d) => a + d.length + 1, 0) + fill(room, 'near').file.length, PATH_MAX - 1);
    const near = fill(room, 'near');
    createDeep(src, near.dirs, near.file, 'at the limit');
    const far = fill(room + 20, 'far');
    createDeep(src, far.dirs, far.file, 'beyond the limit');
    for (const d of [near, far]) {
      // Traversable by the unprivileged backup (created 0o755 already; make sure umask did not narrow it).
      let p = src;
      for (const seg of d.dirs.slice(0, 10)) { p = join(p, seg.toString()); await chmod(p, 0o755); }
    }

    const bucket = join(dir, 'bucket');
    await mkdir(bucket, { mode: 0o777 });
    await chmod(bucket, 0o777);
    const script = `
      import { LocalBackend } from ${JSON.stringify(join(DIST, 'src/storage/index.js'))};
      import { initRepository, backup } from ${JSON.stringify(join(DIST, 'src/repo/index.js'))};
      const repo = await initRepository(new LocalBackend(process.argv[2]), { passphrase: 'p', scryptParams: ${JSON.stringify(TEST_SCRYPT)} });
      const r = await backup(repo, { sourceDir: process.argv[3], workers: 1 });
      process.stdout.write(JSON.stringify({ summary: r.summary, skipped: r.skipped }));`;
    const scriptFile = join(dir, 'backup-as-user.mjs');
    await writeFile(scriptFile, script, { mode: 0o644 });
    const asUser = asRoot ? { uid: 65534, gid: 65534 } : {};
    const { stdout } = await promisify(execFile)(process.execPath, [scriptFile, bucket, src], { ...asUser, cwd: '/', maxBuffer: 1 << 24 });
    await new Promise((r) => sock.close(r));
    const { summary, skipped } = JSON.parse(stdout) as { summary: { skipped: number; errors: { path: string; message: string; skipped?: boolean }[] }; skipped: { count: number; paths: string[] } };
    const farPath = '/' + [...far.dirs.map((d) => d.toString())].join('/');
    // The far chain is skipped at its first component whose path reaches PATH_MAX.
    const farSkip = skipped.paths.find((p) => p.startsWith(farPath.slice(0, 300)));
    t.diagnostic(`skipped: ${JSON.stringify(summary.errors.map((e) => [e.path.length > 60 ? `${e.path.slice(0, 30)}…(${e.path.length} bytes)` : e.path, e.message.slice(0, 60)]))}`);
    assert.ok(farSkip !== undefined, 'the path beyond PATH_MAX is named');
    assert.deepEqual([...skipped.paths].filter((p) => p !== farSkip).sort(), ['/closed', '/secret']);
    assert.equal(skipped.count, 3);
    assert.equal(summary.skipped, 3);
    assert.ok(summary.errors.every((e) => e.skipped), JSON.stringify(summary.errors));

    const repo = await openRepository(new LocalBackend(bucket), { passphrase: 'p' });
    const names = (await listDir(repo, 'latest', '/', { limit: 100 })).entries.map((e) => e.name);
    assert.ok(names.includes('f\\xff.txt') && names.includes('\\xc3(') && names.includes('back\\\\slash') && names.includes('looks\\\\xffescaped'), JSON.stringify(names));
    assert.ok(names.includes(escapeName(Buffer.concat([Buffer.alloc(254, 0x78), Buffer.from([0xfe])]))));

    // Restore as this process (root: device nodes too) into a path as long as the source's.
    const out = join(dir, 'out');
    const r = await restore(repo, { snapshotId: 'latest', targetDir: out, workers: 1 });
    assert.deepEqual(r.skippedItems.map((i) => i.path), ['/sock']);
    // What was skipped (and the socket, which restore names instead) is left out of the comparison.
    const want = await describeTree(src, (k) => k === 'sock' || k === 'secret' || k.startsWith('closed/') || k.startsWith('far'));
    const got = await describeTree(out, (k) => k.startsWith('far'));
    assert.deepEqual(diffTrees(want, got), []);
    assert.equal(got.get('fifo')?.type, 'fifo');
    if (asRoot) assert.deepEqual([got.get('null-dev')?.type, got.get('null-dev')?.rdev], ['char', want.get('null-dev')!.rdev]);
    assert.equal(readDeep(out, near.dirs, near.file), 'at the limit');

    // Into a longer target: restored paths exceed PATH_MAX, which descriptor-relative creation does not mind.
    const longer = join(dir, 'a-target-whose-name-is-longer-than-the-source-by-far');
    const r2 = await restore(repo, { snapshotId: 'latest', targetDir: longer, workers: 1, include: ['/' + near.dirs.map((d) => d.toString()).join('/')] });
    assert.equal(r2.files, 1);
    assert.equal(readDeep(longer, near.dirs, near.file), 'at the limit');
    assert.equal(await readFile(join(out, 'back\\slash'), 'utf8'), 'backslash');
  });
});
