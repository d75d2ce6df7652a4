import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startServer, tempDir, type Server } from './harness.js';

/**
 * A file restore of 1,000 files is split into 10 batches (tasks) that agents run side
 * by side; with the target path (and, with retain-source-path, the source folders)
 * not existing yet, every batch creates the same parent directories at once. That
 * creation is idempotent: every batch succeeds and every file lands once.
 */
test('e2e: 1,000 files in 10 batches restore to a new folder, with and without retain-source-path', { timeout: 240_000 }, async (t) => {
  const tmp = await tempDir('batches');
  let server: Server | undefined;
  try {
    const root = join(tmp.dir, 'root');
    const DIRS = 10;
    const PER_DIR = 100;
    for (let d = 0; d < DIRS; d++) {
      await mkdir(join(root, 'src', `dir${d}`), { recursive: true });
      for (let f = 0; f < PER_DIR; f++) await writeFile(join(root, 'src', `dir${d}`, `file${f}.txt`), `content ${d}/${f}`);
    }
    await mkdir(join(root, 'tgt'));
    // Four tasks at once so batches really do run side by side.
    // A lease long enough for a loaded 2-core CI machine: this test is about directory creation, not leases.
    server = await startServer(join(tmp.dir, 'home'), { CBS_VOLUMES_ROOT: root, CBS_AGENT_CONCURRENCY: '4', CBS_TASK_LEASE_MS: '30000' });
    const api = server.api;
    const we = await api.weByName('local');
    const src = await api.volumeByName(we.id, 'src');
    await api.volumeByName(we.id, 'tgt');
    await api.activate(we.id, 'batches');
    const bj = await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${src['file-system-id']}`, { mode: 'AD_HOC' }))['job-id']);
    assert.equal(bj.job[0].status, 'COMPLETED', JSON.stringify(bj));
    const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${src['file-system-id']}/snapshot`)).snapshot[0];
    const sfr = `/v1/sfr/working-environment/${we.id}/volume/${src['file-system-id']}/snapshot/${snap.id}/file-explore/list`;
    const files: any[] = [];
    for (let d = 0; d < DIRS; d++) {
      // Interleave directories so every batch holds files of several of them.
      const page = (await api.ok('GET', `${sfr}?path=/dir${d}&limit=1000`)).context;
      assert.equal(page.length, PER_DIR);
      page.forEach((e: any, i: number) => { files[i * DIRS + d] = e; });
    }
    const source = { 'working-environment-id': we.id, 'working-environment-name': we.name, bucket: 'batches', 'volume-name': 'src', 'volume-id': src['file-system-id'], snapshot: snap.id };
    for (const retain of [false, true]) {
      const path = retain ? '/kept/new' : '/flat/new/deeper';
      const target = { 'working-environment-id': we.id, 'working-environment-name': we.name, svm: 'svm0', 'volume-name': 'tgt', path, 'retain-source-path': retain };
      const r = await api.ok('POST', '/v3/restore', { restore: { type: 'file', source, target, file: files.map(({ name: _n, ...f }) => f) } });
      const job = (await api.waitJob(r['job-id'], 180_000)).job[0];
      const batches = job.data.restore.batch;
      assert.equal(job.status, 'COMPLETED', JSON.stringify(batches.filter((b: any) => b.status !== 'SUCCESS').map((b: any) => b.error)));
      assert.ok(batches.length >= 10, `${batches.length} batches`);
      assert.ok(batches.every((b: any) => b.status === 'SUCCESS' && b.error === ''));
      if (retain) {
        for (const f of files) {
          const [, d, n] = /^\/dir(\d+)\/file(\d+)\.txt$/.exec(f.path)!;
          assert.equal(await readFile(join(root, 'tgt', path, f.path.slice(1)), 'utf8'), `content ${d}/${n}`);
        }
      }
      t.diagnostic(`retain ${retain}: ${batches.length} batches, all SUCCESS`);
    }
    // Without retain-source-path the ten files of each name take name, name.restored, name.restored-2, ….
    const flat = await readdir(join(root, 'tgt', 'flat', 'new', 'deeper'));
    assert.equal(flat.length, DIRS * PER_DIR);
  } catch (e) {
    process.stderr.write(`server output:\n${server?.output() ?? ''}\n`);
    throw e;
  } finally {
    await server?.stop();
    await tmp.cleanup();
  }
});
