import type { Repository } from '../repository/index.js';
import type { Snapshot } from '../snapshot/index.js';
import { treeReferences } from '../tree/index.js';
import { BlobSet } from './blob-set.js';
import { drain } from './drain.js';

export interface MarkResult {
  /** Every blob the snapshots reference, trees included. */
  readonly used: BlobSet;
  /** Distinct trees read. */
  readonly trees: number;
}

/**
 * Walks every tree of the snapshots (each distinct tree once) and collects the blobs
 * they reference. Any tree that cannot be read fails the walk: a prune must never
 * decide what is unused from a partial picture.
 *
 * @param concurrency trees loaded at once @default 8
 */
export async function markUsed(repo: Repository, snapshots: readonly Snapshot[],
  opts: { concurrency?: number; signal?: AbortSignal; onTree?: (trees: number) => void } = {}): Promise<MarkResult> {
  const used = new BlobSet();
  // Separate from `used`: a data blob may have the same bytes, hence the same id, as a
  // tree; seeing it as data first must not stop the tree from being walked.
  const walked = new BlobSet();
  const queue: Buffer[] = [];
  const enqueue = (id: Buffer): void => {
    used.add(id);
    if (walked.add(id).added) queue.push(id);
  };
  for (const s of snapshots) enqueue(Buffer.from(s.tree, 'hex'));
  const visit = async (id: Buffer): Promise<void> => {
    const hex = id.toString('hex');
    for (const ref of treeReferences(await repo.loadBlob(id), `tree ${hex}`)) {
      const child = Buffer.from(ref.id, 'hex');
      if (ref.type === 'tree') enqueue(child);
      else used.add(child);
    }
  };
  let trees = 0;
  await drain(queue, opts.concurrency ?? 8, async (id) => {
    opts.signal?.throwIfAborted();
    await visit(id);
    opts.onTree?.(++trees);
  });
  return { used, trees };
}
