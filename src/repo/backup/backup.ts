import type { BigIntStats } from 'node:fs';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { availableParallelism, hostname as osHostname } from 'node:os';
import { join, resolve } from 'node:path';
import { RepoError, isRepoError } from '../errors.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions, type RepoLock } from '../lock/index.js';
import { FileReadError, WorkerPool } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import { findSnapshot, saveSnapshot, type BackupError, type Snapshot, type SnapshotSummary } from '../snapshot/index.js';
import { decodeTree, encodeTree, type TreeNode } from '../tree/index.js';
import { ProgressReporter, type BackupProgress } from './progress.js';
import { scanTotals } from './scan.js';
import { FileBatcher } from './file-batcher.js';

export interface BackupOptions {
  readonly sourceDir: string;
  /** Snapshot to compare against for unchanged files: an id, a prefix, or 'latest' (of this source path). */
  readonly parent?: string;
  /** @default os.hostname() */
  readonly hostname?: string;
  readonly tags?: readonly string[];
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BackupProgress) => void;
  /** Worker threads for chunk/hash/compress/encrypt. @default os.availableParallelism() */
  readonly workers?: number;
  /** Count files first so progress has totals. @default true */
  readonly scan?: boolean;
  /**
   * Index packs an interrupted backup left unindexed (reading their headers) so their
   * data is reused. Costs one listing of `data/`. @default true
   */
  readonly adoptUnindexed?: boolean;
  /**
   * Waiting for a prune's exclusive lock (`signal` also stops the wait).
   * @default { timeoutMs: DEFAULT_LOCK_WAIT_MS }
   */
  readonly lockWait?: LockWaitOptions;
}

export interface BackupResult {
  readonly snapshot: Snapshot;
  readonly summary: SnapshotSummary;
}

interface Counters {
  filesNew: number; filesChanged: number; filesUnmodified: number;
  dirsNew: number; dirsChanged: number; dirsUnmodified: number;
  totalBytes: number; bytesRead: number; dataBlobsAdded: number; treeBlobsAdded: number;
  dataAdded: number; dataAddedStored: number; totalFiles: number; totalDirs: number;
}

function baseNode(name: string, st: BigIntStats): Omit<TreeNode, 'type'> {
  return {
    name,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: st.mtimeNs.toString(),
    ctime: st.ctimeNs.toString(),
    size: 0,
    inode: st.ino.toString(),
    dev: st.dev.toString(),
    nlink: Number(st.nlink),
  };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Backs up `sourceDir` into a new snapshot. Write order: packs, then index objects,
 * then the snapshot, so an interrupted backup leaves only unreferenced data.
 */
export async function backup(repo: Repository, opts: BackupOptions): Promise<BackupResult> {
  // The real path: a source reached through a symlink is backed up (and found as
  // 'latest' parent) under one stable name.
  const source = await realpath(resolve(opts.sourceDir)).catch(() => resolve(opts.sourceDir));
  const rootStat = await lstat(source, { bigint: true }).catch((e: unknown) => {
    throw new RepoError('REPO_PATH_NOT_FOUND', `cannot read source ${source}: ${message(e)}`, { object: source, cause: e });
  });
  if (!rootStat.isDirectory()) throw new RepoError('REPO_PATH_NOT_FOUND', `source ${source} is not a directory`, { object: source });
  const wait: LockWaitOptions = { timeoutMs: DEFAULT_LOCK_WAIT_MS, ...opts.lockWait, ...(opts.signal ? { signal: opts.signal } : {}) };
  return withLock(repo, { exclusive: false, purpose: 'backup', wait }, (lock) => runBackup(repo, source, opts, lock));
}

async function runBackup(repo: Repository, source: string, opts: BackupOptions, lock: RepoLock): Promise<BackupResult> {
  const startTime = new Date().toISOString();
  const signal = opts.signal;
  const errors: BackupError[] = [];
  let parent: Snapshot | undefined;
  if (opts.parent !== undefined) {
    try {
      // A damaged old snapshot must not stop new backups: it is reported and skipped.
      const onError = (id: string, e: unknown): void => { errors.push({ path: `snapshots/${id}`, message: `unreadable snapshot skipped: ${message(e)}` }); };
      parent = await findSnapshot(repo, opts.parent, opts.parent === 'latest' ? { path: source, onError } : {});
    } catch (e) {
      if (!(opts.parent === 'latest' && isRepoError(e, 'REPO_SNAPSHOT_NOT_FOUND'))) throw e;
    }
  }
  const c: Counters = {
    filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirsNew: 0, dirsChanged: 0, dirsUnmodified: 0,
    totalBytes: 0, bytesRead: 0, dataBlobsAdded: 0, treeBlobsAdded: 0, dataAdded: 0, dataAddedStored: 0, totalFiles: 0, totalDirs: 0,
  };
  if (opts.adoptUnindexed !== false) {
    await repo.adoptUnindexedPacks((key, e) => errors.push({ path: key, message: `unindexed pack not adopted: ${message(e)}` }));
  }
  const progress = new ProgressReporter(opts.onProgress);
  // Started at the first file that must be read: an unchanged re-backup never pays for it.
  let pool: WorkerPool | undefined;
  // Reserved by this backup but not yet handed to a pack writer: released if we fail.
  const reserved = new Set<string>();
  // Blobs another backup on this handle was writing when we needed them: verified
  // indexed before our snapshot is written, in case that backup failed.
  const expected = new Set<string>();
  const claim = (id: Buffer): boolean => {
    if (repo.reserveBlob(id)) {
      reserved.add(id.toString('hex'));
      return true;
    }
    if (!repo.index.has(id)) expected.add(id.toString('hex'));
    return false;
  };
  const workers = (): WorkerPool => (pool ??= new WorkerPool(repo.master, {
    onQuery: async (id) => {
      if (!claim(id)) return false;
      await repo.waitForCapacity();
      return true;
    },
    onBlob: async (id, sealed, rawLength, confirmed) => {
      if (!confirmed && !claim(id)) return; // a small chunk we already have
      reserved.delete(id.toString('hex'));
      c.dataBlobsAdded++;
      c.dataAdded += rawLength;
      c.dataAddedStored += sealed.length;
      await repo.addSealedBlob('data', id, sealed, rawLength);
    },
  }, opts.workers));
  const batcher = new FileBatcher(workers, (opts.workers ?? availableParallelism()) * 3);
  // The walk does not wait for file contents; it waits only for worker capacity. A
  // failure in the background is kept here and stops the walk at its next step.
  let failure: unknown;
  const track = <T>(p: Promise<T>): Promise<T> => {
    p.catch((e: unknown) => { failure ??= e; });
    return p;
  };
  const step = (): void => {
    signal?.throwIfAborted();
    if (failure !== undefined) throw failure;
  };
  const hardlinks = new Map<string, Promise<readonly string[] | undefined>>();
  const scanning = opts.scan === false ? Promise.resolve() : scanTotals(source, progress.p, signal);

  const loadTreeMap = async (id: string | undefined): Promise<Map<string, TreeNode> | undefined> => {
    if (id === undefined) return undefined;
    try {
      const t = decodeTree(await repo.loadBlob(Buffer.from(id, 'hex')), `tree ${id}`);
      return new Map(t.nodes.map((n) => [n.name, n]));
    } catch (e) {
      // A damaged parent only costs re-reading files; the new snapshot stays complete.
      errors.push({ path: '(parent snapshot)', message: `parent tree ${id} unreadable, files re-read: ${message(e)}` });
      return undefined;
    }
  };

  /** Resolves (after any wait for capacity) to a promise of the file's node. */
  const fileNode = async (abs: string, rel: string, base: Omit<TreeNode, 'type'>, st: BigIntStats, prev: TreeNode | undefined): Promise<{ readonly node: Promise<TreeNode | undefined> }> => {
    const size = Number(st.size);
    const unchanged = prev !== undefined && prev.type === 'file' && prev.size === size && prev.mtime === base.mtime &&
      prev.ctime === base.ctime && prev.inode === base.inode && prev.content !== undefined &&
      prev.content.every((h) => repo.index.has(Buffer.from(h, 'hex')));
    const hlKey = base.nlink > 1 ? `${base.dev}:${base.inode}` : undefined;
    const done = (n: TreeNode, read: number): TreeNode => {
      c.totalFiles++;
      c.totalBytes += n.size;
      c.bytesRead += read;
      progress.p.filesDone++;
      progress.p.bytesDone += n.size;
      progress.p.currentPath = rel;
      progress.tick();
      return n;
    };
    if (unchanged) {
      c.filesUnmodified++;
      return { node: Promise.resolve(done({ ...base, type: 'file', size, content: prev.content, ...(hlKey ? { hardlink: hlKey } : {}) }, 0)) };
    }
    const first = hlKey !== undefined ? hardlinks.get(hlKey) : undefined;
    if (first) {
      // A later link of a file already queued: same content, read once.
      return {
        node: first.then((content) => {
          if (!content) return undefined;
          if (prev) c.filesChanged++; else c.filesNew++;
          return done({ ...base, type: 'file', size, content, hardlink: hlKey }, 0);
        }),
      };
    }
    const job = (await batcher.add(abs, size)).result;
    if (hlKey) hardlinks.set(hlKey, job.then((r) => (r instanceof FileReadError ? undefined : r.content)));
    return {
      node: job.then((r) => {
        if (r instanceof FileReadError) {
          errors.push({ path: rel, message: r.message });
          return undefined;
        }
        if (prev) c.filesChanged++; else c.filesNew++;
        return done({ ...base, type: 'file', size: r.size, content: r.content, ...(hlKey ? { hardlink: hlKey } : {}) }, r.size);
      }),
    };
  };

  /**
   * Walks one directory (depth first, in order) and resolves once it has been walked,
   * to a promise of its tree id, which settles when every file in it is stored.
   */
  const saveDir = async (abs: string, rel: string, prevTree: string | undefined, prevNode: TreeNode | undefined): Promise<{ readonly tree: Promise<string> }> => {
    step();
    let names: string[] = [];
    try {
      // Sync calls: metadata of local files is served from the inode cache in microseconds,
      // while each async call costs a thread-pool round trip.
      names = readdirSync(abs);
    } catch (e) {
      errors.push({ path: rel || '/', message: message(e) });
    }
    const prevNodes = await loadTreeMap(prevTree);
    const pending: Promise<TreeNode | undefined>[] = [];
    for (const name of names) {
      step();
      const childAbs = join(abs, name);
      const childRel = `${rel}/${name}`;
      let st: BigIntStats;
      try {
        st = lstatSync(childAbs, { bigint: true });
      } catch (e) {
        errors.push({ path: childRel, message: message(e) });
        continue;
      }
      const base = baseNode(name, st);
      const prev = prevNodes?.get(name);
      if (st.isDirectory()) {
        const prevSub = prev?.type === 'dir' ? prev.subtree : undefined;
        const subtree = await saveDir(childAbs, childRel, prevSub, prev);
        pending.push(track(subtree.tree.then((id) => ({ ...base, type: 'dir' as const, subtree: id }))));
      } else if (st.isFile()) {
        pending.push(track((await fileNode(childAbs, childRel, base, st, prev)).node));
      } else if (st.isSymbolicLink()) {
        try {
          pending.push(Promise.resolve({ ...base, type: 'symlink', linkTarget: readlinkSync(childAbs) }));
        } catch (e) {
          errors.push({ path: childRel, message: message(e) });
        }
      } else {
        pending.push(Promise.resolve({ ...base, type: 'other' }));
      }
    }
    const tree = track(Promise.all(pending).then(async (all) => {
      const nodes = all.filter((n): n is TreeNode => n !== undefined);
      const { id, added } = await repo.saveBlob('tree', encodeTree(nodes));
      if (added) c.treeBlobsAdded++;
      const hex = id.toString('hex');
      if (rel !== '') {
        c.totalDirs++;
        if (!prevNode) c.dirsNew++;
        else if (prevTree === hex) c.dirsUnmodified++;
        else c.dirsChanged++;
      }
      return hex;
    }));
    return { tree };
  };

  let tree: string;
  try {
    const root = await saveDir(source, '', parent?.tree, undefined);
    await batcher.flush();
    tree = await root.tree;
    await repo.flush();
    for (const hex of expected) {
      const id = Buffer.from(hex, 'hex');
      // Another backup on this handle reserved it; its own flush stores it.
      await repo.whenSettled(id);
      if (!repo.index.has(id)) {
        throw new RepoError('REPO_INTEGRITY', `blob ${hex} was being stored by another backup that did not finish; run the backup again`, { object: `blob ${hex}` });
      }
    }
    if (reserved.size > 0) throw new RepoError('REPO_INTEGRITY', `${reserved.size} blobs were reserved but never stored (internal error)`);
  } catch (e) {
    // Stop the workers, then index what was uploaded so the next backup reuses it.
    // The original error is the one reported.
    await pool?.close();
    pool = undefined;
    for (const hex of reserved) repo.unreserveBlob(Buffer.from(hex, 'hex'));
    await repo.flush().catch(() => undefined);
    throw e;
  } finally {
    await pool?.close();
  }
  await scanning;
  progress.tick(true);
  const summary: SnapshotSummary = { ...c, startTime, endTime: new Date().toISOString(), errors };
  // The snapshot makes every blob it names live; that holds only if no prune can have
  // run since the index was refreshed under this lock.
  await lock.ensureFresh();
  const snapshot = await saveSnapshot(repo, {
    version: 1,
    time: startTime,
    hostname: opts.hostname ?? osHostname(),
    paths: [source],
    tree,
    ...(parent ? { parent: parent.id } : {}),
    tags: [...(opts.tags ?? [])],
    summary,
  });
  return { snapshot, summary };
}
