import { IntegrityError } from '../errors.js';
import { BLOB_TYPE_CODE, blobTypeFromCode } from '../pack/index.js';
import type { IndexEntry } from './index-entry.js';

export const INDEX_MAGIC = Buffer.from('OCI1');
/** blob id (32) | type (1) | offset (u32le) | length (u32le) | raw length (u32le) */
const ENTRY = 45;

/**
 * Index object plaintext: "OCI1", then per pack: pack id (32 bytes) | u32le count |
 * count entries. Entries of one pack are contiguous.
 */
export function encodeIndex(entries: readonly IndexEntry[]): Buffer {
  const byPack = new Map<string, IndexEntry[]>();
  for (const e of entries) {
    let l = byPack.get(e.pack);
    if (!l) byPack.set(e.pack, (l = []));
    l.push(e);
  }
  const out = Buffer.alloc(4 + byPack.size * 36 + entries.length * ENTRY);
  INDEX_MAGIC.copy(out, 0);
  let o = 4;
  for (const [pack, list] of byPack) {
    Buffer.from(pack, 'hex').copy(out, o);
    out.writeUInt32LE(list.length, o + 32);
    o += 36;
    for (const e of list) {
      e.id.copy(out, o);
      out[o + 32] = BLOB_TYPE_CODE[e.type];
      out.writeUInt32LE(e.offset, o + 33);
      out.writeUInt32LE(e.length, o + 37);
      out.writeUInt32LE(e.rawLength, o + 41);
      o += ENTRY;
    }
  }
  return out;
}

export function decodeIndex(plain: Buffer, object: string): IndexEntry[] {
  if (plain.length < 4 || !plain.subarray(0, 4).equals(INDEX_MAGIC)) throw new IntegrityError(object, 'index object has no OCI1 magic');
  const out: IndexEntry[] = [];
  let o = 4;
  while (o < plain.length) {
    if (o + 36 > plain.length) throw new IntegrityError(object, 'index object truncated in a pack record');
    const pack = plain.toString('hex', o, o + 32);
    const count = plain.readUInt32LE(o + 32);
    o += 36;
    if (o + count * ENTRY > plain.length) throw new IntegrityError(object, 'index object truncated in its entries');
    for (let k = 0; k < count; k++, o += ENTRY) {
      out.push({
        id: Buffer.from(plain.subarray(o, o + 32)),
        type: blobTypeFromCode(plain[o + 32]!, object),
        pack,
        offset: plain.readUInt32LE(o + 33),
        length: plain.readUInt32LE(o + 37),
        rawLength: plain.readUInt32LE(o + 41),
      });
    }
  }
  return out;
}
