import { randomBytes } from 'node:crypto';
import { RepoError, nameBytes, pathAt, unescapeName } from '../../repo/index.js';
import { renameSync } from 'node:fs';
import { DriverError, INTERNAL_PREFIX } from '../local-fs-driver.js';
import { exists, HeldDir, makePath, makeWorkDir, moveInto, openPath, openRoot, removeTree } from '../restore-target.js';
import { driverOf, repositoryOf, TaskError, type TaskRunner } from './task-context.js';
import { testHook } from './test-hook.js';

/**
 * Restores. Data is first restored into a work directory (`.cbs-r<12 hex>`) on the
 * same file system, then moved into place, so a killed agent never leaves a
 * half-restored volume or file under its final name, and a retry starts clean.
 *  volume  `<WE root>/<volume name>`; fails when it exists
 *  folder  `<volume>/<target path>/<folder name>`
 *  files   `<volume>/<target path>/<file name>`
 *  (folder and files with retainSourcePath: `<volume>/<target path>/<source path>`)
 * An existing name at the destination is never overwritten: the restored item takes
 * the first free name `<name>.restored`, `<name>.restored-2`, …
 *
 * Every directory on the way is held open and reached without following symlinks
 * (restore-target.ts); a symlink in the target path fails the task with
 * REPO_UNSAFE_PATH and nothing is written outside the volume. Paths in the payload
 * are snapshot paths in the engine's escaped form (names byte for byte).
 */

/** A short work-directory name: restores must not add much to path lengths. */
function workName(taskId: string): Buffer {
  const id = taskId.replace(/[^0-9a-f]/gi, '').slice(0, 12) || randomBytes(6).toString('hex');
  return Buffer.from(`${INTERNAL_PREFIX}r${id}`);
}

function segments(path: string): string[] {
  const segs = path.split('/').filter((s) => s !== '');
  for (const s of segs) {
    if (s === '.' || s === '..' || s.startsWith(INTERNAL_PREFIX)) throw new TaskError(`target path segment "${s}" is not allowed`);
    try {
      unescapeName(s);
    } catch (e) {
      throw new TaskError(`target path segment ${JSON.stringify(s)}: ${(e as Error).message}`, { cause: e });
    }
  }
  return segs;
}

export const restoreVolume: TaskRunner<'restore-volume'> = async (ctx, p) => {
  const t = ctx.task;
  const { driver } = driverOf(ctx, p.targetWeId);
  const name = p.targetVolumeName;
  wrapDriver(() => driver.newVolumeDir(name));
  const nameB = Buffer.from(name);
  const root = openRoot(driver.root);
  const work = workName(t.id);
  let held: HeldDir | undefined;
  try {
    if (exists(root, nameB)) throw new RepoError('REPO_RESTORE_CONFLICT', `volume "${name}" already exists on the target working environment`);
    const repo = await repositoryOf(ctx, p.sourceWeId);
    // It becomes the volume's root directory: the usual mode, not the work dir's private one.
    held = makeWorkDir(root, work, 0o755);
    await testHook('restore-before-engine');
    const r = await ctx.engine.restore(repo, { snapshotId: p.snapshotId, targetDir: held.path, signal: ctx.signal, onProgress: ctx.progress });
    await testHook('restore-before-place');
    if (exists(root, nameB)) throw new RepoError('REPO_RESTORE_CONFLICT', `volume "${name}" appeared on the target working environment during the restore`);
    renameSync(pathAt(root.fd, work), pathAt(root.fd, nameB));
    return { files: r.files, bytes: r.bytes, ...skippedOf(r) };
  } finally {
    held?.close();
    removeTree(root, work);
    root.close();
  }
};

export const restorePaths: TaskRunner<'restore-folder' | 'restore-files'> = async (ctx, payload) => {
  const t = ctx.task;
  const { driver } = driverOf(ctx, payload.targetWeId);
  const volumeName = payload.targetVolumeName;
  const targetPath = payload.targetPath;
  const paths = payload.paths;
  const keep = payload.retainSourcePath;
  await wrapDriverAsync(() => driver.volumeDir(volumeName));
  const root = openRoot(driver.root);
  const held: HeldDir[] = [];
  const hold = (d: HeldDir): HeldDir => { held.push(d); return d; };
  let dst: HeldDir | undefined;
  const work = workName(t.id);
  try {
    const volume = openPath(root, [volumeName]);
    if (!volume) throw new TaskError(`volume "${volumeName}" is gone`);
    hold(volume);
    dst = hold(makePath(volume, segments(targetPath)));
    const repo = await repositoryOf(ctx, payload.sourceWeId);
    const workDir = hold(makeWorkDir(dst, work, 0o700));
    await testHook('restore-before-engine');
    const r = await ctx.engine.restore(repo, {
      snapshotId: payload.snapshotId, targetDir: workDir.path, include: paths, signal: ctx.signal, onProgress: ctx.progress,
    });
    await testHook('restore-before-place');
    let placed = 0;
    for (const p of paths) {
      const segs = p.split('/').filter((s) => s !== '');
      const last = segs[segs.length - 1];
      const from = last === undefined ? undefined : openPath(workDir, segs.slice(0, -1));
      if (!from || !exists(from, nameBytes(last!))) {
        from?.close();
        throw new TaskError(`${p} is not in backup ${payload.snapshotId.slice(0, 8)}`);
      }
      let to: HeldDir | undefined;
      try {
        to = keep ? makePath(dst, segs.slice(0, -1)) : dst;
        moveInto(from, nameBytes(last!), to, nameBytes(last!));
      } finally {
        from.close();
        if (to !== undefined && to !== dst) to.close();
      }
      placed++;
    }
    return { files: r.files, bytes: r.bytes, placed, ...skippedOf(r) };
  } finally {
    if (dst) removeTree(dst, work);
    for (const d of held.reverse()) d.close();
    root.close();
  }
};

/** What the engine left out (sockets; devices unless root), as the task result carries it. */
function skippedOf(r: { skipped?: { count: number; paths: readonly string[] } | undefined }): { skipped?: { count: number; paths: string[] } } {
  return r.skipped && r.skipped.count > 0 ? { skipped: { count: r.skipped.count, paths: r.skipped.paths.slice(0, 10) } } : {};
}

function wrapDriver<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DriverError) throw new TaskError(e.message, { cause: e });
    throw e;
  }
}

async function wrapDriverAsync<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof DriverError) throw new TaskError(e.message, { cause: e });
    throw e;
  }
}
