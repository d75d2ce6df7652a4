import type { IndexEntry } from '../index/index.js';
import { openVerifiedBlob, packKey, PackWriter, type BlobType } from '../pack/index.js';
import type { WorkerPool } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import type { Repack } from './plan.js';

/** Kept blobs closer than this in a pack are read together (the gap is read and kept in memory too). */
const MERGE_GAP = 256 * 1024;

export interface RepackOutcome {
  /** Index entries of the blobs at their new places. */
  readonly entries: readonly IndexEntry[];
  readonly packs: readonly { readonly id: string; readonly size: number }[];
}

export interface RepackOptions {
  /** Target size of the new packs. */
  readonly packSize: number;
  /** Opens and verifies each blob before it is copied; without one, this thread does. */
  readonly pool?: WorkerPool;
  /** Source packs read ahead of the one being copied. @default 1 */
  readonly readAhead?: number;
  readonly signal?: AbortSignal;
  /** Called before each new pack is stored, after it (for progress and test hooks). */
  readonly onPackStored?: (stored: number) => void;
  /** Checks the lock before a store. */
  readonly beforeStore?: () => Promise<void>;
}

/**
 * Copies the kept blobs of the given packs into new packs. Blobs are copied sealed, as
 * stored (the seal does not depend on the pack), after each has been opened and matched
 * against its id: a repack never makes a damaged blob the only copy. Source packs are
 * read a few ahead, but blobs enter the new packs and the packs are stored in the order
 * of `jobs`, one at a time, so the same plan performs the same writes.
 */
export async function repackBlobs(repo: Repository, jobs: readonly Repack[], opts: RepackOptions): Promise<RepackOutcome> {
  const entries: IndexEntry[] = [];
  const packs: { id: string; size: number }[] = [];
  const writers: Record<BlobType, PackWriter | null> = { data: null, tree: null };
  const store = async (w: PackWriter): Promise<void> => {
    const p = w.finish();
    await opts.beforeStore?.();
    await repo.backend.put(packKey(p.id), p.bytes);
    packs.push({ id: p.id, size: p.bytes.length });
    for (const b of p.blobs) entries.push({ id: b.id, type: b.type, pack: p.id, offset: b.offset, length: b.length, rawLength: b.rawLength });
    opts.onPackStored?.(packs.length);
  };

  /** Opens every blob and matches it against its id (throws on the first that does not). */
  const verify = async (packId: string, data: Buffer, blobs: { id: Buffer; offset: number; length: number; rawLength: number }[]): Promise<void> => {
    if (opts.pool) return opts.pool.verifyBlobs(packId, data, blobs);
    for (const b of blobs) openVerifiedBlob(repo.master.encKey, repo.master.macKey, b.id, data.subarray(b.offset, b.offset + b.length), b.rawLength, packId);
  };

  /**
   * Reads a pack's kept blobs, one ranged read per run of them (blobs less than
   * MERGE_GAP apart share a read), and verifies them. The blobs are returned as views
   * of those reads: no copy, and nothing of the pack but the runs stays in memory.
   */
  const fetch = async (job: Repack): Promise<{ sealed: Buffer; entry: IndexEntry }[]> => {
    opts.signal?.throwIfAborted();
    const runs: IndexEntry[][] = [];
    for (const e of [...job.keep].sort((a, b) => a.offset - b.offset)) {
      const run = runs[runs.length - 1];
      const last = run?.[run.length - 1];
      if (run && last && e.offset - (last.offset + last.length) <= MERGE_GAP) run.push(e);
      else runs.push([e]);
    }
    const read = await Promise.all(runs.map(async (run) => {
      const start = run[0]!.offset;
      const end = run[run.length - 1]!.offset + run[run.length - 1]!.length;
      const data = await repo.backend.get(packKey(job.pack.id), { offset: start, length: end - start });
      const rel = run.map((e) => ({ id: e.id, offset: e.offset - start, length: e.length, rawLength: e.rawLength }));
      await verify(job.pack.id, data, rel);
      return run.map((e, i) => ({ entry: e, sealed: data.subarray(rel[i]!.offset, rel[i]!.offset + e.length) }));
    }));
    return read.flat();
  };

  const ahead = Math.max(0, opts.readAhead ?? 1);
  const fetched: Promise<{ sealed: Buffer; entry: IndexEntry }[]>[] = [];
  const startFetch = (): void => {
    const p = fetch(jobs[fetched.length]!);
    p.catch(() => undefined); // awaited in order below; a read-ahead failure surfaces there
    fetched.push(p);
  };
  for (let i = 0; i < jobs.length; i++) {
    while (fetched.length < jobs.length && fetched.length <= i + ahead) startFetch();
    for (const { entry, sealed } of await fetched[i]!) {
      let w = writers[entry.type];
      if (!w) w = writers[entry.type] = new PackWriter(repo.master.encKey);
      w.add(entry.type, entry.id, sealed, entry.rawLength);
      if (w.size >= opts.packSize) {
        writers[entry.type] = null;
        opts.signal?.throwIfAborted();
        await store(w);
      }
    }
    fetched[i] = Promise.resolve([]); // release the buffers
  }
  for (const t of ['data', 'tree'] as const) {
    const w = writers[t];
    if (w && w.count > 0) await store(w);
  }
  return { entries, packs };
}
