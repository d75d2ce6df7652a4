import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DriverError } from '../local-fs-driver.js';
import { INTERNAL_PREFIX } from '../local-fs-driver.js';
import { driverOf, repositoryOf, TaskError, type TaskContext, type TaskRunner } from './task-context.js';

/**
 * Restores. Data is first restored into a work directory (`.cbs-restore-<task>`) on the
 * same file system, then renamed into place, so a killed agent never leaves a
 * half-restored volume or file under its final name, and a retry starts clean.
 *  volume  `<WE root>/<volume name>`; fails when it exists
 *  folder  `<volume>/<target path>/<folder name>`
 *  files   `<volume>/<target path>/<file name>`
 *  (folder and files with retainSourcePath: `<volume>/<target path>/<source path>`)
 * An existing name at the destination is never overwritten: the restored item takes
 * the first free name `<name>.restored`, `<name>.restored-2`, …
 */
export const restoreVolume: TaskRunner<'restore-volume'> = async (ctx, p) => {
  const t = ctx.task;
  const { driver } = driverOf(ctx, p.targetWeId);
  const name = p.targetVolumeName;
  const dst = wrapDriver(() => driver.newVolumeDir(name));
  if (await exists(dst)) throw new TaskError(`volume "${name}" already exists on the target working environment`);
  const work = join(driver.root, `${INTERNAL_PREFIX}restore-${t.id}`);
  const repo = await repositoryOf(ctx, p.sourceWeId);
  await rm(work, { recursive: true, force: true });
  try {
    const r = await ctx.engine.restore(repo, { snapshotId: p.snapshotId, targetDir: work, signal: ctx.signal, onProgress: ctx.progress });
    if (await exists(dst)) throw new TaskError(`volume "${name}" appeared on the target working environment during the restore`);
    await rename(work, dst);
    return { files: r.files, bytes: r.bytes };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

export const restorePaths: TaskRunner<'restore-folder' | 'restore-files'> = async (ctx, payload) => {
  const t = ctx.task;
  const { driver } = driverOf(ctx, payload.targetWeId);
  const volumeName = payload.targetVolumeName;
  const targetPath = payload.targetPath;
  const paths = payload.paths;
  const volume = await wrapDriverAsync(() => driver.volumeDir(volumeName));
  // The target path may not exist yet: create it inside the volume, then resolve it safely.
  const segs = targetPath.split('/').filter((s) => s !== '');
  await wrapDriverAsync(() => driver.resolveInside(volumeName, '/'));
  await mkdirInside(ctx, volume, segs);
  const dstDir = await wrapDriverAsync(() => driver.resolveInside(volumeName, targetPath));
  const work = join(volume, `${INTERNAL_PREFIX}restore-${t.id}`);
  const repo = await repositoryOf(ctx, payload.sourceWeId);
  await rm(work, { recursive: true, force: true });
  try {
    const r = await ctx.engine.restore(repo, {
      snapshotId: payload.snapshotId, targetDir: work, include: paths, signal: ctx.signal, onProgress: ctx.progress,
    });
    const placed: string[] = [];
    for (const p of paths) {
      const from = join(work, ...p.split('/').filter((s) => s !== ''));
      if (!(await exists(from))) throw new TaskError(`${p} is not in backup ${payload.snapshotId.slice(0, 8)}`);
      const segs = p.split('/').filter((x) => x !== '');
      const keep = payload.retainSourcePath;
      if (keep) await mkdirInside(ctx, dstDir, segs.slice(0, -1));
      const to = await freeName(keep ? join(dstDir, ...segs) : join(dstDir, basename(p)));
      await rename(from, to);
      placed.push(to);
    }
    return { files: r.files, bytes: r.bytes, placed: placed.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
};

async function mkdirInside(_ctx: TaskContext, volume: string, segs: string[]): Promise<void> {
  let cur = volume;
  for (const s of segs) {
    if (s === '.' || s === '..' || s.startsWith(INTERNAL_PREFIX)) throw new TaskError(`target path segment "${s}" is not allowed`);
    cur = join(cur, s);
    try {
      const st = await lstat(cur);
      if (st.isSymbolicLink()) return; // resolveInside decides whether it stays inside the volume
      if (!st.isDirectory()) throw new TaskError(`target path ${cur} is not a directory`);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      await mkdir(cur);
    }
  }
}

async function freeName(p: string): Promise<string> {
  if (!(await exists(p))) return p;
  for (let i = 1; ; i++) {
    const c = `${p}.restored${i === 1 ? '' : `-${i}`}`;
    if (!(await exists(c))) return c;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
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
