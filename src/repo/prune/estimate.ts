import type { LockWaitOptions } from '../lock/index.js';
import type { Repository } from '../repository/index.js';
import { prune } from './prune.js';

export interface UnusedEstimate {
  /** Bytes of all packs in storage. */
  readonly packBytes: number;
  /** Sealed bytes of the blobs the snapshots reference (one copy each). */
  readonly usedBytes: number;
  /** packBytes − usedBytes: what a prune with maxUnused 0 would reclaim, headers aside. */
  readonly unusedBytes: number;
  /** unusedBytes / packBytes; 0 for an empty repository. */
  readonly unusedShare: number;
  readonly snapshots: number;
}

/**
 * How much of the repository no snapshot references — the figure behind a rule like
 * "prune when unused data exceeds 10 %". It reads the index and every tree (no file
 * data) under a shared lock, so backups keep running; its cost is that of `check`
 * without --read-data. To call it only when it can pay off, add up the forget reports'
 * `unreferencedBytesBound` since the last prune: that bound is free.
 */
export async function estimateUnused(repo: Repository, opts: { signal?: AbortSignal; lockWait?: LockWaitOptions } = {}): Promise<UnusedEstimate> {
  const r = await prune(repo, { dryRun: true, maxUnused: 1, ...opts });
  const packBytes = r.usedBytes + r.unusedBytesBefore;
  return {
    packBytes, usedBytes: r.usedBytes, unusedBytes: r.unusedBytesBefore,
    unusedShare: packBytes === 0 ? 0 : r.unusedBytesBefore / packBytes, snapshots: r.snapshotsKept,
  };
}
