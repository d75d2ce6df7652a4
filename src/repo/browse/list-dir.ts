import { RepoError } from '../errors.js';
import type { Repository } from '../repository/index.js';
import { splitSnapshotPath } from '../restore/index.js';
import { findSnapshot } from '../snapshot/index.js';
import { findInDir, nsToMs, readDirPage, type NodeType, type SpecialKind, type TreeLoader } from '../tree/index.js';

export interface DirEntry {
  readonly inode: number;
  /** Escaped form (docs/FORMAT.md): bytes that are not UTF-8 and backslashes are escaped. */
  readonly name: string;
  /** Full path inside the snapshot, starting with '/', escaped form. */
  readonly path: string;
  readonly type: NodeType;
  /** What an `other` entry is, when the backup recorded it. */
  readonly special?: SpecialKind;
  readonly size: number;
  /** Epoch milliseconds. */
  readonly mtime: number;
}

export interface DirListing {
  readonly entries: readonly DirEntry[];
  readonly total: number;
  /** Offset of the next page, absent on the last page. */
  readonly nextOffset?: number;
}

/** Largest page served at once. */
export const MAX_PAGE = 10_000;

/**
 * One page of a snapshot directory, in name-byte order: entries [offset, offset + limit)
 * and the directory's entry count. It loads the trees along the path (one chunk per
 * large directory on the way) and, for a large directory, its chunk index and the
 * chunks the page overlaps: time and memory grow with the page and the path depth,
 * not with the directory.
 * @param path '/' (or '') for the snapshot root; components in escaped form
 * @param page.offset @default 0   page.limit @default 1000, at most MAX_PAGE
 */
export async function listDirPage(repo: Repository, snapshotId: string, path: string, page: { offset?: number; limit?: number } = {}): Promise<{ entries: DirEntry[]; total: number }> {
  const snap = await findSnapshot(repo, snapshotId);
  const parts = splitSnapshotPath(path);
  const load: TreeLoader = (id) => repo.loadBlob(Buffer.from(id, 'hex'));
  let tree = snap.tree;
  for (let i = 0; i < parts.length; i++) {
    const where = '/' + parts.slice(0, i + 1).join('/');
    const n = await findInDir(load, tree, '/' + parts.slice(0, i).join('/'), parts[i]!);
    if (!n) throw new RepoError('REPO_PATH_NOT_FOUND', `${where} is not in snapshot ${snap.id.slice(0, 8)}`, { object: where });
    if (n.type !== 'dir') throw new RepoError('REPO_PATH_NOT_FOUND', `${where} is not a directory`, { object: where });
    tree = n.subtree!;
  }
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const limit = Math.min(MAX_PAGE, Math.max(1, Math.floor(page.limit ?? 1000)));
  const prefix = parts.length ? '/' + parts.join('/') + '/' : '/';
  const { nodes, total } = await readDirPage(load, tree, prefix, offset, limit);
  const entries = nodes.map((n) => ({
    inode: Number(n.inode), name: n.name, path: prefix + n.name, type: n.type,
    ...(n.special !== undefined ? { special: n.special } : {}), size: n.size, mtime: nsToMs(n.mtime),
  }));
  return { entries, total };
}

/** listDirPage with the offset of the next page (absent on the last page). */
export async function listDir(repo: Repository, snapshotId: string, path: string, page: { offset?: number; limit?: number } = {}): Promise<DirListing> {
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const r = await listDirPage(repo, snapshotId, path, { ...page, offset });
  const end = offset + r.entries.length;
  return { entries: r.entries, total: r.total, ...(end < r.total ? { nextOffset: end } : {}) };
}
