import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { closeDir, ensureDirAt, openDirAt, openDirectory, pathAt } from '../../src/repo/index.js';
import { describeTree, diffTrees } from '../../src/repo/testing/tree-gen.js';
import { startServer, tempDir, type Server } from './harness.js';

const PATH_MAX = 4096;

/** Writes `content` at dirs/file below root through descriptors (the path may be near PATH_MAX). */
async function deepFile(root: string, dirs: string[], file: string, content: string): Promise<void> {
  let fd = openDirectory(root);
  for (const d of dirs) {
    const next = ensureDirAt(fd, Buffer.from(d), d, 0o755);
    closeDir(fd);
    fd = next;
  }
  await writeFile(pathAt(fd, Buffer.from(file)), content);
  closeDir(fd);
}

async function readDeep(root: string, dirs: string[], file: string): Promise<string> {
  let fd = openDirectory(root);
  for (const d of dirs) {
    const next = openDirAt(fd, Buffer.from(d), d);
    closeDir(fd);
    fd = next;
  }
  try {
    return await readFile(pathAt(fd, Buffer.from(file)), 'utf8');
  } finally {
    closeDir(fd);
  }
}

/**
 * Names and paths as backup accepted them come back through the API: names that are
 * not UTF-8 show in the escaped form, which a file restore sends back to get exactly
 * that file (not a look-alike); a volume whose paths reach PATH_MAX restores (its work
 * directory no longer lengthens them); FIFOs come back.
 */
test('e2e: escaped names round-trip through browse and file restore; paths near PATH_MAX and FIFOs survive a volume restore', { timeout: 180_000 }, async () => {
  const tmp = await tempDir('names');
  let server: Server | undefined;
  try {
    const root = join(tmp.dir, 'root');
    const vol = join(root, 'vol');
    await mkdir(vol, { recursive: true });
    const bytesName = Buffer.from([0x66, 0xff, 0x2e, 0x74, 0x78, 0x74]); // f\xff.txt
    await writeFile(Buffer.concat([Buffer.from(vol + '/'), bytesName]), 'the latin-1 byte');
    await writeFile(join(vol, 'fÿ.txt'), 'the look-alike (U+00FF)');
    await writeFile(join(vol, 'f\\xff.txt'), 'the literal backslash');
    assert.equal(spawnSync('mkfifo', [join(vol, 'pipe')]).status, 0);
    // A file whose absolute path is PATH_MAX - 1 bytes.
    const dirs: string[] = [];
    let left = PATH_MAX - 1 - Buffer.byteLength(vol) - 1;
    for (let i = 0; left > 255; i++) {
      const n = Math.min(200, left - 31);
      dirs.push(`d${i}`.padEnd(n, 'x'));
      left -= n + 1;
    }
    const file = 'f'.padEnd(left, 'z');
    await deepFile(vol, dirs, file, 'at PATH_MAX');
    await mkdir(join(root, 'out'));

    server = await startServer(join(tmp.dir, 'home'), { CBS_VOLUMES_ROOT: root, CBS_TASK_LEASE_MS: '30000' });
    const api = server.api;
    const we = await api.weByName('local');
    const v = await api.volumeByName(we.id, 'vol');
    await api.volumeByName(we.id, 'out');
    await api.activate(we.id, 'names');
    const bj = (await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${v['file-system-id']}`, { mode: 'AD_HOC' }))['job-id'])).job[0];
    assert.equal(bj.status, 'COMPLETED', JSON.stringify(bj));
    const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${v['file-system-id']}/snapshot`)).snapshot[0];
    const sfr = `/v1/sfr/working-environment/${we.id}/volume/${v['file-system-id']}/snapshot/${snap.id}/file-explore/list`;
    const top = (await api.ok('GET', `${sfr}?path=/&limit=100`)).context;
    const names = top.map((e: any) => e.name);
    for (const n of ['f\\xff.txt', 'fÿ.txt', 'f\\\\xff.txt', 'pipe']) assert.ok(names.includes(n), `${n} in ${JSON.stringify(names)}`);
    const source = { 'working-environment-id': we.id, 'working-environment-name': we.name, bucket: 'names', 'volume-name': 'vol', 'volume-id': v['file-system-id'], snapshot: snap.id };
    const target = { 'working-environment-id': we.id, 'working-environment-name': we.name, svm: 'svm0', 'volume-name': 'out', path: '/picked' };

    // Each escaped path sent back restores exactly its own file.
    for (const [escaped, content] of [['f\\xff.txt', 'the latin-1 byte'], ['fÿ.txt', 'the look-alike (U+00FF)'], ['f\\\\xff.txt', 'the literal backslash']]) {
      const e = top.find((x: any) => x.name === escaped);
      const { name: _n, ...f } = e;
      const job = (await api.waitJob((await api.ok('POST', '/v3/restore', { restore: { type: 'file', source, target, file: [f] } }))['job-id'])).job[0];
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job));
      const onDisk = escaped === 'f\\xff.txt' ? Buffer.concat([Buffer.from(join(root, 'out', 'picked') + '/'), bytesName]) : join(root, 'out', 'picked', escaped === 'fÿ.txt' ? 'fÿ.txt' : 'f\\xff.txt');
      assert.equal(await readFile(onDisk, 'utf8'), content, escaped);
    }

    // A volume restore under a name as long as the source's: every path is as long as it was.
    const rv = (await api.waitJob((await api.ok('POST', '/v3/restore', { restore: { type: 'volume', source, target: { ...target, 'volume-name': 'vo2', path: undefined } } }))['job-id'])).job[0];
    assert.equal(rv.status, 'COMPLETED', JSON.stringify(rv));
    assert.equal(await readDeep(join(root, 'vo2'), dirs, file), 'at PATH_MAX');
    const skipDeep = (k: string): boolean => k.startsWith('d0');
    assert.deepEqual(diffTrees(await describeTree(vol, skipDeep), await describeTree(join(root, 'vo2'), skipDeep)), []);
  } catch (e) {
    process.stderr.write(`server output:\n${server?.output() ?? ''}\n`);
    throw e;
  } finally {
    await server?.stop();
    await tmp.cleanup();
  }
});
