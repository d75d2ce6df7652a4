import { backupVolume } from './backup-volume.js';
import { initRepository } from './init-repository.js';
import { restorePaths, restoreVolume } from './restore.js';
import type { TaskRunner } from './task-context.js';

export * from './task-context.js';

/** Task kinds the control plane creates, and who runs them. */
export const RUNNERS: Readonly<Record<string, TaskRunner>> = {
  'init-repository': initRepository,
  'backup-volume': backupVolume,
  'restore-volume': restoreVolume,
  'restore-folder': restorePaths,
  'restore-files': restorePaths,
};
