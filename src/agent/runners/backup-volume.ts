import { driverOf, repositoryOf, TaskError, type TaskRunner } from './task-context.js';
import { DriverError } from '../local-fs-driver.js';

/** Back up one volume: a new snapshot, incremental against the volume's previous one. */
export const backupVolume: TaskRunner<'backup-volume'> = async (ctx, p) => {
  const { driver } = driverOf(ctx, p.weId);
  let dir: string;
  try {
    dir = await driver.volumeDir(p.volumeName);
  } catch (e) {
    if (e instanceof DriverError) throw new TaskError(e.message, { cause: e });
    throw e;
  }
  const repo = await repositoryOf(ctx, p.weId);
  const tags = [`volume:${p.volumeId}`, `we:${p.weId}`, ...(p.label === undefined ? [] : [`label:${p.label}`])];
  const r = await ctx.engine.backup(repo, { sourceDir: dir, tags, signal: ctx.signal, onProgress: ctx.progress });
  return {
    snapshotId: r.snapshotId, creationTime: r.time, size: r.size, files: r.files,
    ...(r.skipped && r.skipped.count > 0 ? { skipped: { count: r.skipped.count, paths: r.skipped.paths.slice(0, 10) } } : {}),
  };
};
