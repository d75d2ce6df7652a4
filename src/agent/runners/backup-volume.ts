import { driverOf, payloadString, repositoryOf, TaskError, type TaskRunner } from './task-context.js';
import { DriverError } from '../local-fs-driver.js';

/** Back up one volume: a new snapshot, incremental against the volume's previous one. */
export const backupVolume: TaskRunner = async (ctx) => {
  const t = ctx.task;
  const weId = payloadString(t, 'weId');
  const volumeId = payloadString(t, 'volumeId');
  const volumeName = payloadString(t, 'volumeName');
  const backupName = payloadString(t, 'backupName');
  const { driver } = driverOf(ctx, weId);
  let dir: string;
  try {
    dir = await driver.volumeDir(volumeName);
  } catch (e) {
    if (e instanceof DriverError) throw new TaskError(e.message, { cause: e });
    throw e;
  }
  const repo = await repositoryOf(ctx, weId);
  const r = await ctx.engine.backup(repo, {
    sourceDir: dir, tags: [`volume:${volumeId}`, `we:${weId}`], signal: ctx.signal, onProgress: ctx.progress,
  });
  // What could not be read is in no snapshot: the job must say so (count, first paths in escaped form).
  const skipped = { count: r.skipped?.count ?? 0, paths: [...(r.skipped?.paths ?? [])].slice(0, 10) };
  return { snapshotId: r.snapshotId, name: backupName, creationTime: r.time, size: r.size, files: r.files, volumeId, skipped };
};
