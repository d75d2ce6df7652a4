/**
 * backup — turn a directory into a snapshot.
 *  parent      an earlier snapshot; files with equal size, mtime, ctime and inode reuse its content
 *  summary     counts of new / changed / unmodified files and dirs, bytes added, per-path errors
 *  progress    files and bytes done against totals counted by a concurrent scan
 */
export * from './backup.js';
export type { BackupProgress } from './progress.js';
