/** What a directory entry is. Sockets, fifos and devices are recorded as `other` and never restored. */
export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/**
 * One directory entry as stored in a tree blob. Times are nanoseconds since the Unix
 * epoch as decimal strings (they exceed 2^53); inode and dev are decimal strings for
 * the same reason.
 */
export interface TreeNode {
  readonly name: string;
  readonly type: NodeType;
  /** Permission bits including setuid, setgid and sticky (st_mode & 0o7777). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtime: string;
  readonly ctime: string;
  /** Bytes of content for files; 0 for other types. */
  readonly size: number;
  readonly inode: string;
  readonly dev: string;
  readonly nlink: number;
  /** Symlink target, as stored by the link. */
  readonly linkTarget?: string;
  /** Data blob ids (hex), in file order. Present on files. */
  readonly content?: readonly string[];
  /** Tree blob id (hex) of the directory listing. Present on dirs. */
  readonly subtree?: string;
  /** `dev:inode` for files with more than one link, to re-create hard links on restore. */
  readonly hardlink?: string;
}

export interface Tree {
  readonly nodes: readonly TreeNode[];
}
