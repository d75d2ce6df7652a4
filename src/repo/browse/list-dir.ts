import { RepoError } from '../errors.js';
import type { Repository } from '../repository/index.js';
import { splitSnapshotPath } from '../restore/index.js';
import { findSnapshot } from '../snapshot/index.js';
import { decodeTree, nsToMs, type NodeType, type Tree } from '../tree/index.js';

export interface DirEntry {
  readonly inode: number;
  readonly name: string;
  /** Full path inside the snapshot, starting with '/'. */
  readonly path: string;
  readonly type: NodeType;
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

async function loadTree(repo: Repository, id: string, where: string): Promise<Tree> {
  return decodeTree(await repo.loadBlob(Buffer.from(id, 'hex')), `tree ${id} (${where})`);
}

/**
 * Lists one directory of a snapshot, in name order, a page at a time.
 * @param path '/' (or '') for the snapshot root
 * @param page.offset @default 0   page.limit @default 1000
 */
export async function listDir(repo: Repository, snapshotId: string, path: string, page: { offset?: number; limit?: number } = {}): Promise<DirListing> {
  const snap = await findSnapshot(repo, snapshotId);
  const parts = splitSnapshotPath(path);
  let tree = await loadTree(repo, snap.tree, '/');
  for (let i = 0; i < parts.length; i++) {
    const where = '/' + parts.slice(0, i + 1).join('/');
    const n = tree.nodes.find((x) => x.name === parts[i]);
    if (!n) throw new RepoError('REPO_PATH_NOT_FOUND', `${where} is not in snapshot ${snap.id.slice(0, 8)}`, { object: where });
    if (n.type !== 'dir') throw new RepoError('REPO_PATH_NOT_FOUND', `${where} is not a directory`, { object: where });
    tree = await loadTree(repo, n.subtree!, where);
  }
  const offset = Math.max(0, page.offset ?? 0);
  const limit = Math.max(1, page.limit ?? 1000);
  const prefix = parts.length ? '/' + parts.join('/') + '/' : '/';
  const slice = tree.nodes.slice(offset, offset + limit);
  const entries = slice.map((n) => ({ inode: Number(n.inode), name: n.name, path: prefix + n.name, type: n.type, size: n.size, mtime: nsToMs(n.mtime) }));
  const end = offset + slice.length;
  return { entries, total: tree.nodes.length, ...(end < tree.nodes.length ? { nextOffset: end } : {}) };
}

/**
 * Entries [offset, offset + limit) of one directory of a snapshot, in name order, and
 * how many entries the directory has. The agent answers browse calls a page at a time
 * with it, so keep this signature; the body may become one that does not decode the
 * whole directory for each page (directories of a million entries).
 */
export async function listDirPage(
  repo: Repository, snapshotId: string, path: string, page: { offset: number; limit: number },
): Promise<{ entries: readonly DirEntry[]; total: number }> {
  const r = await listDir(repo, snapshotId, path, page);
  return { entries: r.entries, total: r.total };
}
