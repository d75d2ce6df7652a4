import { availableParallelism } from 'node:os';
import { IntegrityError, RepoError } from '../errors.js';
import { decodeIndex, encodeIndex, type IndexEntry } from '../index/index.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions, type RepoLock } from '../lock/index.js';
import { packKey } from '../pack/index.js';
import { WorkerPool } from '../pool/index.js';
import { Repository } from '../repository/index.js';
import { listSnapshots } from '../snapshot/index.js';
import { BlobSet } from './blob-set.js';
import { drain } from './drain.js';
import { markUsed } from './mark.js';
import { planPrune, type PackState, type PrunePlan, type UnindexedPack } from './plan.js';
import { repackBlobs } from './repack.js';

/**
 * The steps of a prune, in order (docs/FORMAT.md §12 gives the crash argument for each).
 * Nothing is written before `repack`; nothing is deleted before `delete-index`.
 */
export const PRUNE_STEPS = ['lock', 'load-index', 'list-packs', 'mark', 'plan', 'repack', 'write-index', 'delete-index', 'delete-packs', 'done'] as const;
export type PruneStep = (typeof PRUNE_STEPS)[number];

export interface PruneProgress {
  readonly step: PruneStep;
  /** Units of the step: index objects, trees, packs, objects deleted. */
  readonly done: number;
  readonly total: number;
}

export interface PruneHooks {
  /** Called (and awaited) as each step starts: tests stop or kill the prune at a chosen step. */
  onStep?(step: PruneStep): void | Promise<void>;
}

export interface PruneOptions {
  /**
   * Largest share of the repository's pack bytes that may stay unused after the prune
   * (restic's --max-unused): partly used packs are repacked, most wasteful first, until
   * the rest is under it. 0 repacks every pack holding unused data; 1 repacks none (packs
   * with no live blob are always deleted). @default 0.05
   */
  readonly maxUnused?: number;
  /** Plan and report; write and delete nothing (under a shared lock). @default false */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: PruneProgress) => void;
  readonly hooks?: PruneHooks;
  /** Waiting for backups and restores to finish. @default { timeoutMs: DEFAULT_LOCK_WAIT_MS } */
  readonly lockWait?: LockWaitOptions;
  /**
   * Worker threads verifying repacked blobs; 0 verifies on this thread (less memory;
   * verification is cheap next to reading and storing). @default 0 when less than
   * 256 MiB is repacked, else os.availableParallelism()
   */
  readonly workers?: number;
  /** Storage reads and deletes at once (new packs and index objects are stored one by one). @default 8 */
  readonly concurrency?: number;
  /** Target size of repacked packs. @default the repository's packSize */
  readonly packSize?: number;
}

export interface PruneReport {
  readonly dryRun: boolean;
  /** Snapshots whose data was kept (all snapshots in the repository). */
  readonly snapshotsKept: number;
  /** Packs in storage before and after. */
  readonly packsBefore: number;
  readonly packsAfter: number;
  /** Packs deleted whole (no live blob), of which `packsUnindexed` were named by no index object. */
  readonly packsDeleted: number;
  readonly packsUnindexed: number;
  /** Packs whose live blobs were copied into `packsWritten` new packs, then deleted. */
  readonly packsRepacked: number;
  readonly packsWritten: number;
  /** Packs the index named that storage did not have (their entries dropped). */
  readonly packsMissing: number;
  /** Distinct blobs in the index before and after; blobsRemoved = before − after. */
  readonly blobsBefore: number;
  readonly blobsAfter: number;
  readonly blobsRemoved: number;
  readonly blobsRepacked: number;
  /** Sealed bytes of live blobs (one copy each). */
  readonly usedBytes: number;
  /** Pack bytes that are not a kept copy of a live blob (dead blobs, duplicates, headers), before and after. */
  readonly unusedBytesBefore: number;
  readonly unusedBytesAfter: number;
  /** Bytes of packs and index objects before and after (estimated by a dry run); reclaimed = before − after. */
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  readonly bytesReclaimed: number;
  readonly indexObjectsBefore: number;
  readonly indexObjectsWritten: number;
  readonly indexObjectsDeleted: number;
  readonly durationMs: number;
}

/** Below this many bytes to repack, blobs are verified on the prune's own thread. */
const POOL_REPACK_BYTES = 256 * 1024 * 1024;
/** Index entries per index object written by prune (as backups write them). */
const INDEX_OBJECT_ENTRIES = 50000;
/** Stored bytes per index entry, for a dry run's estimate (45 per entry, 36 per pack record, sealing). */
const INDEX_BYTES_PER_ENTRY = 46;

/**
 * Deletes the data no snapshot references: packs without a live blob are deleted;
 * packs with some are repacked when that brings unused space under `maxUnused`; the
 * index is rewritten. Runs under an exclusive lock, so no backup, restore or forget
 * runs meanwhile (they wait for it, and it waits for them); see docs/FORMAT.md §12.
 */
export async function prune(repo: Repository, opts: PruneOptions = {}): Promise<PruneReport> {
  const started = Date.now();
  const maxUnused = opts.maxUnused ?? 0.05;
  if (!(maxUnused >= 0 && maxUnused <= 1)) throw new RangeError(`maxUnused must be between 0 and 1, not ${maxUnused}`);
  await opts.hooks?.onStep?.('lock');
  const wait: LockWaitOptions = { timeoutMs: DEFAULT_LOCK_WAIT_MS, ...opts.lockWait, ...(opts.signal ? { signal: opts.signal } : {}) };
  const dry = opts.dryRun ?? false;
  return withLock(repo, { exclusive: !dry, purpose: dry ? 'prune --dry-run' : 'prune', wait }, (lock) => new PruneRun(repo, opts, lock, maxUnused, started).run());
}

interface LoadedIndex {
  /** Index object ids and stored sizes. */
  readonly objects: Map<string, number>;
  /** Entries per pack, as listed (possibly repeated across index objects). */
  readonly byPack: Map<string, IndexEntry[]>;
}

class PruneRun {
  private readonly concurrency: number;

  constructor(private readonly repo: Repository, private readonly opts: PruneOptions, private readonly lock: RepoLock,
    private readonly maxUnused: number, private readonly started: number) {
    this.concurrency = Math.max(1, opts.concurrency ?? 8);
  }

  private async step(s: PruneStep): Promise<void> {
    this.opts.signal?.throwIfAborted();
    await this.opts.hooks?.onStep?.(s);
    this.opts.onProgress?.({ step: s, done: 0, total: 0 });
  }

  private progress(step: PruneStep, done: number, total: number): void {
    this.opts.onProgress?.({ step, done, total });
  }

  async run(): Promise<PruneReport> {
    const { repo, opts } = this;
    await this.step('load-index');
    const idx = await this.loadIndex();

    await this.step('list-packs');
    const sizes = new Map<string, number>();
    for await (const o of repo.backend.list('data/')) {
      const id = o.key.slice(o.key.lastIndexOf('/') + 1);
      if (/^[0-9a-f]{64}$/.test(id) && o.key === packKey(id)) sizes.set(id, o.size);
    }
    const packs: PackState[] = [];
    for (const [id, listed] of idx.byPack) packs.push({ id, size: sizes.get(id), entries: uniqueEntries(id, listed) });
    const unindexed: UnindexedPack[] = [...sizes].filter(([id]) => !idx.byPack.has(id)).map(([id, size]) => ({ id, size }));

    await this.step('mark');
    // A handle of our own whose index holds the copies that exist, to read trees from.
    const reader = new Repository(repo.backend, repo.config, repo.master);
    for (const p of packs) if (p.size !== undefined) for (const e of p.entries) reader.index.add(e);
    const snapshots = await listSnapshots(repo);
    const { used } = await markUsed(reader, snapshots, {
      ...(opts.signal ? { signal: opts.signal } : {}), concurrency: this.concurrency,
      onTree: (n) => { if (n % 100 === 0) this.progress('mark', n, 0); },
    });

    await this.step('plan');
    const plan = planPrune({ packs, unindexed, used, maxUnused: this.maxUnused });
    const blobsBefore = reader.index.size;
    const indexBytesBefore = [...idx.objects.values()].reduce((n, s) => n + s, 0);
    const packsBefore = sizes.size;
    const base = {
      snapshotsKept: snapshots.length, packsBefore, packsUnindexed: plan.unindexed.length, packsMissing: plan.missing.length,
      packsDeleted: plan.remove.length + plan.unindexed.length, packsRepacked: plan.repack.length,
      blobsBefore, blobsRepacked: plan.repack.reduce((n, r) => n + r.keep.length, 0), usedBytes: plan.usedBytes,
      unusedBytesBefore: plan.unusedBytes, bytesBefore: plan.packBytes + indexBytesBefore, indexObjectsBefore: idx.objects.size,
    };
    const rewrite = plan.remove.length > 0 || plan.repack.length > 0 || plan.missing.length > 0;

    if (opts.dryRun) {
      const blobsAfter = countBlobs(plan.keep.flatMap((p) => p.entries).concat(plan.repack.flatMap((r) => r.keep)));
      const entriesAfter = plan.keep.reduce((n, p) => n + p.entries.length, 0) + base.blobsRepacked;
      const bytesAfter = plan.packBytesAfter + (rewrite ? entriesAfter * INDEX_BYTES_PER_ENTRY : indexBytesBefore);
      await this.step('done');
      return {
        ...base, dryRun: true, packsAfter: packsBefore - base.packsDeleted - plan.repack.length + Math.ceil(plan.repackBytes / this.packSize()),
        packsWritten: Math.ceil(plan.repackBytes / this.packSize()), blobsAfter, blobsRemoved: blobsBefore - blobsAfter,
        unusedBytesAfter: plan.packBytesAfter - plan.usedBytes, bytesAfter, bytesReclaimed: base.bytesBefore - bytesAfter,
        indexObjectsWritten: rewrite ? Math.ceil(entriesAfter / INDEX_OBJECT_ENTRIES) : 0, indexObjectsDeleted: rewrite ? idx.objects.size : 0,
        durationMs: Date.now() - this.started,
      };
    }

    await this.step('repack');
    const repacked = await this.repack(plan);

    await this.step('write-index');
    const kept = plan.keep.flatMap((p) => p.entries);
    const newEntries = kept.concat(repacked.entries);
    const written = rewrite ? await this.writeIndex(newEntries) : 0;

    await this.step('delete-index');
    const indexDeleted = rewrite ? await this.deleteAll([...idx.objects.keys()].map((id) => `index/${id}`), 'delete-index') : 0;

    await this.step('delete-packs');
    const doomed = [...plan.remove.map((p) => p.id), ...plan.repack.map((r) => r.pack.id), ...plan.unindexed.map((p) => p.id)];
    await this.deleteAll(doomed.map(packKey), 'delete-packs');

    await this.step('done');
    const blobsAfter = rewrite ? countBlobs(newEntries) : blobsBefore;
    const packBytesAfter = plan.keep.reduce((n, p) => n + (p.size ?? 0), 0) + repacked.packs.reduce((n, p) => n + p.size, 0);
    let indexBytesAfter = 0;
    for await (const o of repo.backend.list('index/')) indexBytesAfter += o.size;
    const bytesAfter = packBytesAfter + indexBytesAfter;
    return {
      ...base, dryRun: false, packsAfter: plan.keep.length + repacked.packs.length, packsWritten: repacked.packs.length,
      blobsAfter, blobsRemoved: blobsBefore - blobsAfter, unusedBytesAfter: packBytesAfter - plan.usedBytes,
      bytesAfter, bytesReclaimed: base.bytesBefore - bytesAfter,
      indexObjectsWritten: written, indexObjectsDeleted: indexDeleted, durationMs: Date.now() - this.started,
    };
  }

  private packSize(): number {
    return this.opts.packSize ?? this.repo.config.packSize;
  }

  /** Every index object, each of which must read: an unreadable one would make its packs look unindexed. */
  private async loadIndex(): Promise<LoadedIndex> {
    const objects = new Map<string, number>();
    for await (const o of this.repo.backend.list('index/')) objects.set(o.key.slice('index/'.length), o.size);
    const byPack = new Map<string, IndexEntry[]>();
    const ids = [...objects.keys()];
    let done = 0;
    await drain([...ids], this.concurrency, async (id) => {
      this.opts.signal?.throwIfAborted();
      const entries = decodeIndex(await this.repo.loadObject('index', id), `index/${id}`);
      for (const e of entries) {
        let l = byPack.get(e.pack);
        if (!l) byPack.set(e.pack, (l = []));
        l.push(e);
      }
      this.progress('load-index', ++done, ids.length);
    });
    return { objects, byPack };
  }

  private async repack(plan: PrunePlan): Promise<{ entries: readonly IndexEntry[]; packs: readonly { id: string; size: number }[] }> {
    if (plan.repack.length === 0) return { entries: [], packs: [] };
    const workers = this.opts.workers ?? (plan.repackBytes < POOL_REPACK_BYTES ? 0 : availableParallelism());
    const pool = workers > 0 ? new WorkerPool(this.repo.master, undefined, workers) : undefined;
    try {
      const total = Math.ceil(plan.repackBytes / this.packSize());
      return await repackBlobs(this.repo, plan.repack, {
        packSize: this.packSize(), readAhead: Math.min(1, this.concurrency - 1), ...(pool ? { pool } : {}),
        ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        onPackStored: (n) => this.progress('repack', n, Math.max(n, total)),
      });
    } finally {
      await pool?.close();
    }
  }

  /** Stores the new index objects one by one; returns how many. */
  private async writeIndex(entries: readonly IndexEntry[]): Promise<number> {
    // Kept whole per pack, so one pack's entries never split across objects.
    const chunks: IndexEntry[][] = [[]];
    let lastPack: string | undefined;
    for (const e of [...entries].sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.offset - b.offset))) {
      const cur = chunks[chunks.length - 1]!;
      if (cur.length >= INDEX_OBJECT_ENTRIES && e.pack !== lastPack) chunks.push([e]);
      else cur.push(e);
      lastPack = e.pack;
    }
    let count = 0;
    for (const c of chunks) {
      if (c.length === 0) continue;
      this.opts.signal?.throwIfAborted();
      // A lost lock means another prune may have deleted packs this index would name.
      await this.lock.ensureFresh();
      await this.repo.saveObject('index', encodeIndex(c));
      this.progress('write-index', ++count, chunks.length);
    }
    return count;
  }

  /**
   * Deletes objects, a few at a time. Each delete is preceded by a check that the lock
   * is still held. Every delete is attempted; the first failure is thrown after all have
   * settled, so a failed index delete stops the prune before any pack is deleted.
   */
  private async deleteAll(keys: readonly string[], step: PruneStep): Promise<number> {
    let done = 0;
    let failure: { e: unknown } | undefined;
    await drain([...keys], this.concurrency, async (key) => {
      this.opts.signal?.throwIfAborted();
      await this.lock.ensureFresh();
      try {
        await this.repo.backend.delete(key);
        this.progress(step, ++done, keys.length);
      } catch (e) {
        failure ??= { e };
      }
    });
    if (failure) {
      throw new RepoError('REPO_INTEGRITY', `prune could not delete ${keys.length - done} of ${keys.length} objects (${(failure.e as Error).message}); ` +
        'the repository is consistent, and the next prune finishes the work', { cause: failure.e });
    }
    return done;
  }
}

/** A pack's entries once each, by offset; two different blobs at one offset mean a corrupt index. */
function uniqueEntries(pack: string, listed: IndexEntry[]): IndexEntry[] {
  const sorted = [...listed].sort((a, b) => a.offset - b.offset);
  const out: IndexEntry[] = [];
  for (const e of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.offset === e.offset) {
      if (!prev.id.equals(e.id) || prev.length !== e.length) {
        throw new IntegrityError(packKey(pack), `index objects disagree about the blob at offset ${e.offset}`);
      }
      continue;
    }
    out.push(e);
  }
  return out;
}

function countBlobs(entries: readonly IndexEntry[]): number {
  const s = new BlobSet();
  for (const e of entries) s.add(e.id);
  return s.size;
}
