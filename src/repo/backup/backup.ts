import { lstat, realpath } from 'node:fs/promises';
import { availableParallelism, hostname as osHostname } from 'node:os';
import { resolve } from 'node:path';
import { RepoError, isRepoError } from '../errors.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions, type RepoLock } from '../lock/index.js';
import { WorkerPool } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import { findSnapshot, saveSnapshot, type Snapshot, type SnapshotSummary } from '../snapshot/index.js';
import { Archiver } from './archiver.js';
import { BackupReport } from './backup-report.js';
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
  /**
   * Items of the source missing from the snapshot because they could not be read:
   * how many, and the first (at most 100) snapshot paths, escaped form.
   */
  readonly skipped: { readonly count: number; readonly paths: readonly string[] };
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
  const report = new BackupReport();
  let parent: Snapshot | undefined;
  if (opts.parent !== undefined) {
    try {
      // A damaged old snapshot must not stop new backups: it is reported and skipped.
      const onError = (id: string, e: unknown): void => { report.error(`snapshots/${id}`, `unreadable snapshot skipped: ${message(e)}`); };
      parent = await findSnapshot(repo, opts.parent, opts.parent === 'latest' ? { path: source, onError } : {});
    } catch (e) {
      if (!(opts.parent === 'latest' && isRepoError(e, 'REPO_SNAPSHOT_NOT_FOUND'))) throw e;
    }
  }
  if (opts.adoptUnindexed !== false) {
    await repo.adoptUnindexedPacks((key, e) => report.error(key, `unindexed pack not adopted: ${message(e)}`));
  }
  const progress = new ProgressReporter(opts.onProgress);
  const data = { blobsAdded: 0, added: 0, addedStored: 0 };
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
      data.blobsAdded++;
      data.added += rawLength;
      data.addedStored += sealed.length;
      await repo.addSealedBlob('data', id, sealed, rawLength);
    },
  }, opts.workers));
  const batcher = new FileBatcher(workers, (opts.workers ?? availableParallelism()) * 3);
  const archiver = new Archiver(repo, batcher, report, progress, opts.signal);
  const scanning = opts.scan === false ? Promise.resolve() : scanTotals(Buffer.from(source), progress.p, opts.signal);

  let tree: string;
  try {
    tree = await archiver.run(source, parent?.tree);
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
  const c = archiver.counters;
  const summary: SnapshotSummary = {
    filesNew: c.filesNew, filesChanged: c.filesChanged, filesUnmodified: c.filesUnmodified,
    dirsNew: c.dirsNew, dirsChanged: c.dirsChanged, dirsUnmodified: c.dirsUnmodified,
    totalBytes: c.totalBytes, bytesRead: c.bytesRead, dataBlobsAdded: data.blobsAdded, treeBlobsAdded: c.treeBlobsAdded,
    dataAdded: data.added, dataAddedStored: data.addedStored, totalFiles: c.totalFiles, totalDirs: c.totalDirs,
    startTime, endTime: new Date().toISOString(), errors: report.errors,
    ...(report.errorsOmitted > 0 ? { errorsOmitted: report.errorsOmitted } : {}),
    skipped: report.skipped,
  };
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
  return { snapshot, summary, skipped: { count: report.skipped, paths: report.skippedPaths } };
}
