import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, open, readdir, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { sentinelListing } from '../../src/repo/testing/sentinel.js';
import { startServer, tempDir, type Api, type Server } from './harness.js';

/**
 * Restores never write outside their target, with real processes (`cbs serve` and its
 * embedded agent): symlinks to a sentinel directory outside the target volume at every
 * depth of the target path and of the retained source path, for file, folder and volume
 * restores, with and without retain-source-path; placed before the restore, and
 * swapped in while it runs at the agent's test hooks (a FIFO the agent waits on, not a
 * delay). After every restore the sentinel's listing (mode, size, mtime, ctime, inode
 * of every entry) is unchanged. A restore that meets a symlink fails with an error
 * naming it; one whose held directory was moved aside writes inside the volume.
 */

interface Ctx { api: Api; we: any; src: any; snap: any; root: string; outside: string; hooks: string; entries: Map<string, any> }

async function restoreJob(c: Ctx, body: Record<string, unknown>): Promise<any> {
  const r = await c.api.ok('POST', '/v3/restore', { restore: { source: {
    'working-environment-id': c.we.id, 'working-environment-name': c.we.name, bucket: 'hostile', 'volume-name': 'src', 'volume-id': c.src['file-system-id'], snapshot: c.snap.id,
  }, ...body } });
  return r['job-id'];
}

const target = (c: Ctx, volume: string, path?: string, retain?: boolean): Record<string, unknown> => ({
  'working-environment-id': c.we.id, 'working-environment-name': c.we.name, svm: 'svm0', 'volume-name': volume,
  ...(path !== undefined ? { path } : {}), ...(retain !== undefined ? { 'retain-source-path': retain } : {}),
});

/** A browse entry of the source snapshot, as a file/folder restore echoes it back. */
function entry(c: Ctx, path: string): Record<string, unknown> {
  const e = c.entries.get(path);
  assert.ok(e, `no browse entry ${path}`);
  const { name: _n, ...rest } = e;
  return rest;
}

async function waitFailedOrDone(c: Ctx, jobId: string): Promise<any> {
  return (await c.api.waitJob(jobId, 60_000)).job[0];
}

/**
 * Arms a hook point before the job is submitted: `reached(job)` resolves once the
 * agent waits there (or fails when the job ends first); `release()` lets it go on.
 */
function armHook(c: Ctx, point: string): { reached(jobEnded: Promise<unknown>): Promise<void>; release(): Promise<void> } {
  const fifo = join(c.hooks, point);
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
  // Opening the write end waits for the agent to open the read end: that is the event.
  const opened = open(fifo, 'w');
  return {
    async reached(jobEnded) {
      const ok = await Promise.race([opened.then(() => true), jobEnded.then(() => false)]);
      if (ok) return;
      // Unblock our own pending open before reporting.
      const r = await open(fifo, 'r').catch(() => undefined);
      await (await opened).close();
      await r?.close();
      await unlink(fifo);
      throw new Error(`the agent never reached ${point}`);
    },
    async release() {
      await unlink(fifo);
      await (await opened).close();
    },
  };
}

test('e2e: no restore writes outside its target, whatever symlinks are placed or swapped in (real processes)', { timeout: 300_000 }, async (t) => {
  const tmp = await tempDir('hostile');
  let server: Server | undefined;
  try {
    const root = join(tmp.dir, 'root');
    const outside = join(tmp.dir, 'outside');
    const hooks = join(tmp.dir, 'hooks');
    await mkdir(join(outside, 'deep2', 'inner'), { recursive: true });
    await mkdir(hooks);
    await writeFile(join(outside, 'b.txt'), 'sentinel');
    await writeFile(join(outside, 'deep2', 'inner', 'f.txt'), 'sentinel');
    const src = join(root, 'src');
    for (const d of ['sub', 'deep2/inner', 'a/b/c']) await mkdir(join(src, d), { recursive: true });
    await writeFile(join(src, 'sub', 'b.txt'), 'restored b');
    await writeFile(join(src, 'deep2', 'inner', 'f.txt'), 'restored f');
    await writeFile(join(src, 'a', 'b', 'c', 'file.txt'), 'restored deep');
    await mkdir(join(root, 'tgt'));
    // The agent waits at hooks while the test swaps: a lease that outlasts that on a loaded machine.
    server = await startServer(join(tmp.dir, 'home'), { CBS_VOLUMES_ROOT: root, CBS_TEST_HOOK_DIR: hooks, CBS_TASK_LEASE_MS: '30000' });
    const api = server.api;
    const we = await api.weByName('local');
    const srcVol = await api.volumeByName(we.id, 'src');
    await api.volumeByName(we.id, 'tgt');
    await api.activate(we.id, 'hostile');
    const bj = await api.waitJob((await api.ok('POST', `/v3/backup/working-environment/${we.id}/volume/${srcVol['file-system-id']}`, { mode: 'AD_HOC' }))['job-id']);
    assert.equal(bj.job[0].status, 'COMPLETED', JSON.stringify(bj));
    const snap = (await api.ok('GET', `/v1/backup/working-environment/${we.id}/volume/${srcVol['file-system-id']}/snapshot`)).snapshot[0];
    const entries = new Map<string, any>();
    const sfr = `/v1/sfr/working-environment/${we.id}/volume/${srcVol['file-system-id']}/snapshot/${snap.id}/file-explore/list`;
    for (const dir of ['/', '/sub', '/deep2', '/deep2/inner', '/a', '/a/b', '/a/b/c']) {
      for (const e of (await api.ok('GET', `${sfr}?path=${encodeURIComponent(dir)}&limit=100`)).context) entries.set(e.path, e);
    }
    const c: Ctx = { api, we, src: srcVol, snap, root, outside, hooks, entries };
    const sentinel = await sentinelListing(outside);
    const tgt = join(root, 'tgt');
    const unchanged = async (what: string): Promise<void> => assert.deepEqual(await sentinelListing(outside), sentinel, `${what}: the sentinel outside the target changed`);
    const reset = async (): Promise<void> => {
      await rm(tgt, { recursive: true, force: true });
      await mkdir(tgt);
    };
    const expectRefused = (job: any, what: string): void => {
      assert.equal(job.status, 'FAILED', `${what}: ${JSON.stringify(job)}`);
      assert.match(JSON.stringify(job), /symlink/, `${what}: the error names the symlink`);
    };
    let cases = 0;

    // 1. Symlinks placed before the restore, at every depth of the target path.
    for (const depth of [1, 2, 3]) {
      for (const kind of ['file', 'folder'] as const) {
        for (const retain of [false, true]) {
          await reset();
          const segs = ['t1', 't2', 't3'].slice(0, depth);
          if (depth > 1) await mkdir(join(tgt, ...segs.slice(0, -1)), { recursive: true });
          await symlink(outside, join(tgt, ...segs));
          const body = kind === 'file'
            ? { type: 'file', target: target(c, 'tgt', '/' + segs.join('/'), retain), file: [entry(c, '/sub/b.txt')] }
            : { type: 'folder', target: target(c, 'tgt', '/' + segs.join('/'), retain), file: [entry(c, '/deep2/inner')] };
          const what = `${kind} restore, retain ${retain}, symlink at target depth ${depth}`;
          expectRefused(await waitFailedOrDone(c, await restoreJob(c, body)), what);
          await unchanged(what);
          cases++;
        }
      }
    }

    // 2. Symlinks placed before the restore at every depth of a retained source path (target '/').
    for (const [symlinkAt, kind, path] of [
      [['sub'], 'file', '/sub/b.txt'], [['deep2'], 'folder', '/deep2/inner'],
      [['a'], 'file', '/a/b/c/file.txt'], [['a', 'b'], 'file', '/a/b/c/file.txt'], [['a', 'b', 'c'], 'file', '/a/b/c/file.txt'],
    ] as const) {
      await reset();
      if (symlinkAt.length > 1) await mkdir(join(tgt, ...symlinkAt.slice(0, -1)), { recursive: true });
      await symlink(outside, join(tgt, ...symlinkAt));
      const what = `${kind} restore of ${path} with retain-source-path, symlink at /${symlinkAt.join('/')}`;
      expectRefused(await waitFailedOrDone(c, await restoreJob(c, { type: kind, target: target(c, 'tgt', '/', true), file: [entry(c, path)] })), what);
      await unchanged(what);
      cases++;
    }

    // 3. A volume restore onto a name that is a symlink to the outside.
    await symlink(outside, join(root, 'evil-vol'));
    const vj = await waitFailedOrDone(c, await restoreJob(c, { type: 'volume', target: target(c, 'evil-vol') }));
    assert.equal(vj.status, 'FAILED', JSON.stringify(vj));
    await unchanged('volume restore onto a symlink');
    await unlink(join(root, 'evil-vol'));
    cases++;

    // 4. Swapped in while the restore runs.
    // 4a. Before the engine runs: the retained source path's first directory appears as a symlink.
    await reset();
    {
      const hook = armHook(c, 'restore-before-engine');
      const jobId = await restoreJob(c, { type: 'file', target: target(c, 'tgt', '/', true), file: [entry(c, '/sub/b.txt')] });
      await hook.reached(c.api.waitJob(jobId, 60_000));
      await symlink(outside, join(tgt, 'sub'));
      await hook.release();
      expectRefused(await waitFailedOrDone(c, jobId), 'symlink swapped in before the engine ran');
      await unchanged('symlink swapped in before the engine ran');
      cases++;
    }
    // 4b. Before placing: the target directory (held open) is moved aside and replaced by a symlink.
    await reset();
    await mkdir(join(tgt, 'dst'));
    {
      const hook = armHook(c, 'restore-before-place');
      const jobId = await restoreJob(c, { type: 'folder', target: target(c, 'tgt', '/dst', false), file: [entry(c, '/deep2/inner')] });
      await hook.reached(c.api.waitJob(jobId, 60_000));
      await rename(join(tgt, 'dst'), join(tgt, 'dst-moved'));
      await symlink(outside, join(tgt, 'dst'));
      await hook.release();
      const job = await waitFailedOrDone(c, jobId);
      assert.equal(job.status, 'COMPLETED', JSON.stringify(job));
      assert.equal(await readFile(join(tgt, 'dst-moved', 'inner', 'f.txt'), 'utf8'), 'restored f', 'written into the directory it held, inside the volume');
      await unchanged('target directory swapped for a symlink before placing');
      cases++;
    }
    // 4c. Before placing: a directory inside the work directory is replaced by a symlink.
    await reset();
    {
      const hook = armHook(c, 'restore-before-place');
      const jobId = await restoreJob(c, { type: 'file', target: target(c, 'tgt', '/', true), file: [entry(c, '/a/b/c/file.txt')] });
      await hook.reached(c.api.waitJob(jobId, 60_000));
      const work = (await readdir(tgt)).find((n) => n.startsWith('.cbs-r'));
      assert.ok(work, 'the work directory is in the target');
      await rename(join(tgt, work, 'a', 'b'), join(tgt, 'moved-b'));
      await symlink(outside, join(tgt, work, 'a', 'b'));
      await hook.release();
      expectRefused(await waitFailedOrDone(c, jobId), 'work directory entry swapped for a symlink');
      await unchanged('work directory entry swapped for a symlink');
      assert.ok(!(await readdir(tgt)).some((n) => n.startsWith('.cbs-r')), 'the work directory is removed');
      cases++;
    }
    // 4d. A volume restore whose name appears as a symlink before it is moved into place.
    {
      const hook = armHook(c, 'restore-before-place');
      const jobId = await restoreJob(c, { type: 'volume', target: target(c, 'late-vol') });
      await hook.reached(c.api.waitJob(jobId, 60_000));
      await symlink(outside, join(root, 'late-vol'));
      await hook.release();
      const job = await waitFailedOrDone(c, jobId);
      assert.equal(job.status, 'FAILED', JSON.stringify(job));
      await unchanged('volume name swapped for a symlink before placing');
      await unlink(join(root, 'late-vol'));
      cases++;
    }

    // The same restores without symlinks succeed and land inside the target.
    await reset();
    const ok = await waitFailedOrDone(c, await restoreJob(c, { type: 'file', target: target(c, 'tgt', '/', true), file: [entry(c, '/a/b/c/file.txt')] }));
    assert.equal(ok.status, 'COMPLETED', JSON.stringify(ok));
    assert.equal(await readFile(join(tgt, 'a', 'b', 'c', 'file.txt'), 'utf8'), 'restored deep');
    await unchanged('plain restore');
    t.diagnostic(`${cases} hostile restores, none wrote outside the target`);
  } catch (e) {
    process.stderr.write(`server output:\n${server?.output() ?? ''}\n`);
    throw e;
  } finally {
    await server?.stop();
    await tmp.cleanup();
  }
});
