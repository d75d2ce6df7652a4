import { IntegrityError } from '../errors.js';

/** Blob types; the number is the byte stored in pack headers and index objects. */
export type BlobType = 'data' | 'tree';
export const BLOB_TYPE_CODE: Record<BlobType, number> = { data: 0, tree: 1 };
export function blobTypeFromCode(c: number, object: string): BlobType {
  if (c === 0) return 'data';
  if (c === 1) return 'tree';
  throw new IntegrityError(object, `unknown blob type code ${c}`);
}

export const PACK_HEADER_MAGIC = Buffer.from('OCP1');
/** type (1) | sealed length (u32le) | raw length (u32le) | blob id (32) */
export const PACK_ENTRY_BYTES = 41;
export const PACK_TARGET_SIZE = 16 * 1024 * 1024;

/** One blob as listed in a pack header (offset implied by order) or an index. */
export interface PackBlob {
  readonly id: Buffer;
  readonly type: BlobType;
  readonly offset: number;
  readonly length: number;
  readonly rawLength: number;
}

export function encodePackHeader(blobs: readonly PackBlob[]): Buffer {
  const b = Buffer.allocUnsafe(PACK_HEADER_MAGIC.length + blobs.length * PACK_ENTRY_BYTES);
  PACK_HEADER_MAGIC.copy(b, 0);
  let o = PACK_HEADER_MAGIC.length;
  for (const e of blobs) {
    b[o] = BLOB_TYPE_CODE[e.type];
    b.writeUInt32LE(e.length, o + 1);
    b.writeUInt32LE(e.rawLength, o + 5);
    e.id.copy(b, o + 9);
    o += PACK_ENTRY_BYTES;
  }
  return b;
}

export function decodePackHeader(plain: Buffer, object: string): PackBlob[] {
  if (plain.length < 4 || !plain.subarray(0, 4).equals(PACK_HEADER_MAGIC) || (plain.length - 4) % PACK_ENTRY_BYTES !== 0) {
    throw new IntegrityError(object, 'pack header is malformed');
  }
  const out: PackBlob[] = [];
  let offset = 0;
  for (let o = 4; o < plain.length; o += PACK_ENTRY_BYTES) {
    const length = plain.readUInt32LE(o + 1);
    out.push({ type: blobTypeFromCode(plain[o]!, object), length, rawLength: plain.readUInt32LE(o + 5), id: Buffer.from(plain.subarray(o + 9, o + 41)), offset });
    offset += length;
  }
  return out;
}

export function packKey(packId: string): string {
  return `data/${packId.slice(0, 2)}/${packId}`;
}
