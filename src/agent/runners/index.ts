import { backupVolume } from './backup-volume.js';
import { initRepository } from './init-repository.js';
import { restorePaths, restoreVolume } from './restore.js';
import type { TaskRunners } from './task-context.js';

export * from './task-context.js';

/** Who runs each task kind of the task contract (src/tasks). */
export const RUNNERS: TaskRunners = {
  'init-repository': initRepository,
  'backup-volume': backupVolume,
  'restore-volume': restoreVolume,
  'restore-folder': restorePaths,
  'restore-files': restorePaths,
};
