import type { BlobType } from '../pack/index.js';
import { decodeTree } from './tree-codec.js';

/** A blob a tree blob points at: a file's content chunk (`data`) or a directory listing (`tree`). */
export interface TreeRef {
  readonly type: BlobType;
  /** Blob id, hex. */
  readonly id: string;
}

/**
 * Every blob id one tree blob references, each with its type: the content of its files
 * and the trees of its subdirectories. Repeats are yielded as often as they occur.
 * Whatever walks a snapshot to learn which blobs it needs (prune's mark phase, the
 * unused-space estimate) goes through here, so a change of the tree format changes
 * this one function and no walker.
 *
 * @param bytes the tree blob's plaintext
 * @param object how errors name the tree (e.g. `tree <id>`)
 */
export function* treeRefs(bytes: Buffer, object: string): Generator<TreeRef> {
  for (const n of decodeTree(bytes, object).nodes) {
    if (n.subtree !== undefined) yield { type: 'tree', id: n.subtree };
    if (n.content !== undefined) for (const id of n.content) yield { type: 'data', id };
  }
}
