import { isNotFound } from '../../storage/backend.js';
import { RepoError, IntegrityError, isUnavailable } from '../errors.js';
import type { Repository } from '../repository/index.js';

/** A problem met by a backup; `skipped` when the path is missing from the snapshot because of it. */
export interface BackupError { readonly path: string; readonly message: string; readonly skipped?: boolean }

export interface SnapshotSummary {
  readonly filesNew: number;
  readonly filesChanged: number;
  readonly filesUnmodified: number;
  readonly dirsNew: number;
  readonly dirsChanged: number;
  readonly dirsUnmodified: number;
  /** Plaintext bytes of all files in the snapshot. */
  readonly totalBytes: number;
  /** Plaintext bytes read from files that had to be read. */
  readonly bytesRead: number;
  readonly dataBlobsAdded: number;
  readonly treeBlobsAdded: number;
  /** Plaintext bytes of new blobs. */
  readonly dataAdded: number;
  /** Stored (compressed, sealed) bytes of new blobs. */
  readonly dataAddedStored: number;
  readonly totalFiles: number;
  readonly totalDirs: number;
  readonly startTime: string;
  readonly endTime: string;
  /** The first problems met (at most 1000; errorsOmitted counts the rest). */
  readonly errors: readonly BackupError[];
  readonly errorsOmitted?: number;
  /**
   * Items of the source that are not in the snapshot because they could not be read
   * (unreadable files and directories, paths longer than PATH_MAX). Absent in
   * snapshots written before it was counted.
   */
  readonly skipped?: number;
}

/** The stored snapshot document (the id is the object name, not a field). */
export interface SnapshotDoc {
  readonly version: 1;
  readonly time: string;
  readonly hostname: string;
  readonly paths: readonly string[];
  readonly tree: string;
  readonly parent?: string;
  readonly tags: readonly string[];
  readonly summary?: SnapshotSummary;
}

export interface Snapshot extends SnapshotDoc {
  readonly id: string;
}

export async function saveSnapshot(repo: Repository, doc: SnapshotDoc): Promise<Snapshot> {
  const id = await repo.saveObject('snapshot', Buffer.from(JSON.stringify(doc)));
  return { ...doc, id };
}

export async function loadSnapshot(repo: Repository, id: string): Promise<Snapshot> {
  const key = `snapshots/${id}`;
  const plain = await repo.loadObject('snapshot', id);
  let doc: SnapshotDoc;
  try {
    doc = JSON.parse(plain.toString('utf8')) as SnapshotDoc;
  } catch (e) {
    throw new IntegrityError(key, 'snapshot is not JSON', { cause: e });
  }
  if (doc.version !== 1 || typeof doc.tree !== 'string' || !/^[0-9a-f]{64}$/.test(doc.tree) || typeof doc.time !== 'string') {
    throw new IntegrityError(key, 'snapshot is malformed');
  }
  return { ...doc, tags: doc.tags ?? [], paths: doc.paths ?? [], id };
}

/**
 * All snapshots, oldest first. A snapshot that cannot be read fails the listing,
 * unless `onError` is given: then it is reported there and left out.
 */
export async function listSnapshots(repo: Repository, onError?: (id: string, err: unknown) => void): Promise<Snapshot[]> {
  const ids = await repo.listObjects('snapshot');
  const loaded = await Promise.all(ids.map(async (id) => {
    try {
      return await loadSnapshot(repo, id);
    } catch (e) {
      // An outage is no damaged snapshot: it fails the listing.
      if (!onError || isUnavailable(e)) throw e;
      onError(id, e);
      return undefined;
    }
  }));
  const out = loaded.filter((s): s is Snapshot => s !== undefined);
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * Resolves 'latest' (optionally restricted to a source path and hostname) or a
 * unique prefix of a snapshot id.
 */
export async function findSnapshot(repo: Repository, ref: string,
  filter: { path?: string; hostname?: string; onError?: (id: string, err: unknown) => void } = {}): Promise<Snapshot> {
  if (ref === 'latest') {
    const all = (await listSnapshots(repo, filter.onError)).filter((s) =>
      (filter.path === undefined || s.paths.includes(filter.path)) && (filter.hostname === undefined || s.hostname === filter.hostname));
    const last = all[all.length - 1];
    if (!last) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', 'the repository has no matching snapshot');
    return last;
  }
  if (!/^[0-9a-f]{1,64}$/.test(ref)) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `not a snapshot id: ${JSON.stringify(ref)}`);
  if (ref.length === 64) {
    // A full id needs no listing (browse calls this for every page).
    try {
      return await loadSnapshot(repo, ref);
    } catch (e) {
      if (isNotFound(e)) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `no snapshot ${ref}`, { object: `snapshots/${ref}`, cause: e });
      throw e;
    }
  }
  const ids = (await repo.listObjects('snapshot')).filter((id) => id.startsWith(ref));
  if (ids.length === 0) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `no snapshot ${ref}`, { object: `snapshots/${ref}` });
  if (ids.length > 1) throw new RepoError('REPO_SNAPSHOT_NOT_FOUND', `snapshot prefix ${ref} is ambiguous (${ids.length} matches)`);
  return loadSnapshot(repo, ids[0]!);
}

export async function deleteSnapshot(repo: Repository, id: string): Promise<void> {
  await repo.deleteObject('snapshot', id);
}
