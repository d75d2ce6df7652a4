import type { BlobType } from '../pack/index.js';

/** Where a blob lives: pack id (hex), byte range of its sealed form, and plaintext length. */
export interface IndexEntry {
  readonly id: Buffer;
  readonly type: BlobType;
  readonly pack: string;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
}
