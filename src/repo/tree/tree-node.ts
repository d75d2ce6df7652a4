/** What a directory entry is. `other`: a socket, fifo or device (see `special`). */
export type NodeType = 'file' | 'dir' | 'symlink' | 'other';

/** The kind of an `other` node, when the backup recorded it (older trees did not). */
export type SpecialKind = 'fifo' | 'socket' | 'char' | 'block';

/**
 * One directory entry as the engine holds it. Times are nanoseconds since the Unix
 * epoch as decimal strings (they exceed 2^53); inode, dev and rdev are decimal strings
 * for the same reason. `name` and `linkTarget` are in the escaped form of name.ts (any
 * bytes, shown as a string); the codec stores them byte for byte.
 */
export interface TreeNode {
  /** One path component, escaped form. */
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
  /** Symlink target, escaped form. */
  readonly linkTarget?: string;
  /** Data blob ids (hex), in file order. Present on files. */
  readonly content?: readonly string[];
  /** Tree blob id (hex) of the directory listing. Present on dirs. */
  readonly subtree?: string;
  /** `dev:inode` for files with more than one link, to re-create hard links on restore. */
  readonly hardlink?: string;
  /** What an `other` node is. */
  readonly special?: SpecialKind;
  /** Device number (st_rdev) of a char or block device. */
  readonly rdev?: string;
}

/** A plain (single-blob) directory listing. */
export interface Tree {
  readonly nodes: readonly TreeNode[];
}

/** One chunk of a large directory: its tree blob, how many entries it holds, and the first one's name. */
export interface ChunkRef {
  readonly tree: string;
  readonly count: number;
  /** Escaped form. */
  readonly first: string;
}

/** A tree blob as decoded: a plain listing, or the index of a directory stored in chunks. */
export type TreeBlob =
  | { readonly kind: 'nodes'; readonly nodes: readonly TreeNode[] }
  | { readonly kind: 'chunks'; readonly chunks: readonly ChunkRef[] };
