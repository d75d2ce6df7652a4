/**
 * prune — reclaiming the space no snapshot references.
 *  live blob    a blob some snapshot's trees reference (found by walking every tree: mark)
 *  kept copy    the one copy of a live blob prune keeps (in the pack with the highest live share)
 *  unused       pack bytes that are not a kept copy: dead blobs, duplicates, headers of
 *               doomed packs, packs no index names
 *  repack       copy a pack's kept blobs into new packs, so the pack can be deleted
 *  max-unused   the share of the repository allowed to stay unused (restic's --max-unused);
 *               packs are repacked, most wasteful first, until the rest is under it
 * The protocol (exclusive lock, write order, crash argument) is docs/FORMAT.md §12.
 */
export { prune, PRUNE_STEPS, type PruneOptions, type PruneReport, type PruneProgress, type PruneHooks, type PruneStep } from './prune.js';
export { estimateUnused, type UnusedEstimate } from './estimate.js';
export { planPrune, type PrunePlan, type PackState, type UnindexedPack, type Repack, type PlanInput } from './plan.js';
export { markUsed, type MarkResult } from './mark.js';
export { BlobSet } from './blob-set.js';
