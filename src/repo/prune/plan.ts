import { RepoError } from '../errors.js';
import type { IndexEntry } from '../index/index.js';
import type { BlobSet } from './blob-set.js';

/** One pack as the index describes it. */
export interface PackState {
  readonly id: string;
  /** Stored size in bytes; undefined when the index names the pack but storage has no such object. */
  readonly size: number | undefined;
  /** Every blob the index objects list in this pack, each once, by offset. */
  readonly entries: readonly IndexEntry[];
}

/** A pack in storage that no index object names (left by an interrupted backup or prune). */
export interface UnindexedPack { readonly id: string; readonly size: number }

export interface PlanInput {
  readonly packs: readonly PackState[];
  readonly unindexed: readonly UnindexedPack[];
  /** Every blob a kept snapshot references. */
  readonly used: BlobSet;
  /** See PruneOptions.maxUnused. */
  readonly maxUnused: number;
}

export interface Repack {
  readonly pack: PackState;
  /** The blobs to copy into new packs: the live blobs whose kept copy is this one. */
  readonly keep: readonly IndexEntry[];
}

export interface PrunePlan {
  /** Packs kept as they are (their index entries carried over whole). */
  readonly keep: readonly PackState[];
  readonly repack: readonly Repack[];
  /** Indexed packs holding no live blob: deleted whole. */
  readonly remove: readonly PackState[];
  /** Packs no index names: deleted (no snapshot can reference their blobs). */
  readonly unindexed: readonly UnindexedPack[];
  /** Packs the index names but storage lacks: their entries are dropped (none holds the only copy of a live blob). */
  readonly missing: readonly PackState[];
  /** Bytes of every pack in storage. */
  readonly packBytes: number;
  /** Sealed bytes of the live blobs, one copy each. */
  readonly usedBytes: number;
  /** packBytes − usedBytes: dead blobs, duplicate copies, headers, unindexed packs. */
  readonly unusedBytes: number;
  /** Unused blob bytes left in kept packs after the prune. */
  readonly unusedBytesAfter: number;
  /** Bytes of the packs after the prune (repacked blobs counted without their new headers). */
  readonly packBytesAfter: number;
  /** Sealed bytes copied into new packs. */
  readonly repackBytes: number;
}

/**
 * Decides what prune does with each pack (pure). Each live blob keeps exactly one copy:
 * the one in the pack with the highest live share (ties: the smaller pack id), so the
 * copies a repack made survive and the old ones go, even when an interrupted prune left
 * both indexed. A pack holding no kept copy is deleted; a pack holding only kept copies
 * stays; the rest are repack candidates, most wasteful first, repacked until what stays
 * unused is at most `maxUnused` of the repository (restic's --max-unused).
 * Throws REPO_INTEGRITY when a live blob has no copy in a pack that exists.
 */
export function planPrune(input: PlanInput): PrunePlan {
  const { used } = input;
  const existing = input.packs.filter((p) => p.size !== undefined);
  const missing = input.packs.filter((p) => p.size === undefined);
  const share = new Float64Array(existing.length);
  existing.forEach((p, i) => {
    let live = 0;
    let total = 0;
    for (const e of p.entries) {
      total += e.length;
      if (used.has(e.id)) live += e.length;
    }
    share[i] = total === 0 ? 0 : live / total;
  });
  const better = (a: number, b: number): boolean => share[a]! > share[b]! || (share[a] === share[b] && existing[a]!.id < existing[b]!.id);
  const keeper = new Int32Array(used.size).fill(-1);
  existing.forEach((p, i) => {
    for (const e of p.entries) {
      const u = used.indexOf(e.id);
      if (u >= 0 && (keeper[u] === -1 || better(i, keeper[u]!))) keeper[u] = i;
    }
  });
  const lost: string[] = [];
  for (let u = 0; u < keeper.length; u++) if (keeper[u] === -1) lost.push(used.at(u).toString('hex'));
  if (lost.length > 0) {
    throw new RepoError('REPO_INTEGRITY', `${lost.length} blob(s) that snapshots reference are in no existing pack (${lost.slice(0, 3).join(', ')}${lost.length > 3 ? ', …' : ''}); ` +
      'prune deletes nothing in a damaged repository: run check', { object: `blob ${lost[0]}` });
  }

  const taken = new Uint8Array(used.size);
  const keep: PackState[] = [];
  const remove: PackState[] = [];
  const candidates: { pack: PackState; keep: IndexEntry[]; unused: number; share: number }[] = [];
  let usedBytes = 0;
  existing.forEach((p, i) => {
    const kept: IndexEntry[] = [];
    let keptBytes = 0;
    let unused = 0;
    for (const e of p.entries) {
      const u = used.indexOf(e.id);
      if (u >= 0 && keeper[u] === i && taken[u] === 0) {
        taken[u] = 1;
        kept.push(e);
        keptBytes += e.length;
      } else {
        unused += e.length;
      }
    }
    usedBytes += keptBytes;
    if (kept.length === 0) remove.push(p);
    else if (kept.length === p.entries.length) keep.push(p);
    else candidates.push({ pack: p, keep: kept, unused, share: unused / (unused + keptBytes) });
  });

  const limit = input.maxUnused >= 1 ? Infinity : (input.maxUnused / (1 - input.maxUnused)) * usedBytes;
  candidates.sort((a, b) => b.share - a.share || b.unused - a.unused || (a.pack.id < b.pack.id ? -1 : 1));
  let unusedAfter = candidates.reduce((n, c) => n + c.unused, 0);
  const repack: Repack[] = [];
  for (const c of candidates) {
    if (unusedAfter <= limit) {
      keep.push(c.pack);
      continue;
    }
    repack.push({ pack: c.pack, keep: c.keep });
    unusedAfter -= c.unused;
  }

  const sizeOf = (p: PackState): number => p.size ?? 0;
  const packBytes = existing.reduce((n, p) => n + sizeOf(p), 0) + input.unindexed.reduce((n, p) => n + p.size, 0);
  const repackBytes = repack.reduce((n, r) => n + r.keep.reduce((m, e) => m + e.length, 0), 0);
  return {
    keep, repack, remove, unindexed: input.unindexed, missing,
    packBytes, usedBytes, unusedBytes: packBytes - usedBytes, unusedBytesAfter: unusedAfter,
    packBytesAfter: keep.reduce((n, p) => n + sizeOf(p), 0) + repackBytes,
    repackBytes,
  };
}
