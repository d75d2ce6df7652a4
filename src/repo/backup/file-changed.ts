import type { TreeNode } from '../tree/index.js';

/** What the walk knows of a file from lstat alone. */
export interface FileInfo {
  readonly size: number;
  /** Nanoseconds, decimal. */
  readonly mtime: string;
  readonly ctime: string;
  readonly inode: string;
}

/**
 * Whether a file must be read again (restic's `fileChanged`): true unless the previous
 * snapshot has a file of the same name with the same size, mtime, ctime and inode.
 * Pure; whether the previous content is still in the repository is asked separately.
 */
export function fileChanged(info: FileInfo, previous: TreeNode | undefined): boolean {
  if (previous === undefined || previous.type !== 'file' || previous.content === undefined) return true;
  return previous.size !== info.size || previous.mtime !== info.mtime || previous.ctime !== info.ctime || previous.inode !== info.inode;
}
