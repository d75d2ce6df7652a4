import type { Backend } from '../../storage/backend.js';
import { open } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';
import { decodePackHeader, packKey, type PackBlob } from './pack-format.js';

/** Reads the header of a pack from its trailer, given the pack bytes (whole). */
export function readPackHeaderFromBytes(encKey: Buffer, bytes: Buffer, packId: string): PackBlob[] {
  const name = packKey(packId);
  if (bytes.length < 4) throw new IntegrityError(name, 'pack shorter than its trailer');
  const hl = bytes.readUInt32LE(bytes.length - 4);
  if (hl + 4 > bytes.length) throw new IntegrityError(name, `pack header length ${hl} exceeds pack size ${bytes.length}`);
  const plain = open(encKey, 'pack-header', bytes.subarray(bytes.length - 4 - hl, bytes.length - 4), name);
  const blobs = decodePackHeader(plain, name);
  const end = blobs.length ? blobs[blobs.length - 1]!.offset + blobs[blobs.length - 1]!.length : 0;
  if (end !== bytes.length - 4 - hl) throw new IntegrityError(name, 'pack header does not account for the pack body');
  return blobs;
}

/** Reads a pack's header with two ranged reads (length, then header). */
export async function readPackHeader(backend: Backend, encKey: Buffer, packId: string, size: number): Promise<PackBlob[]> {
  const name = packKey(packId);
  if (size < 4) throw new IntegrityError(name, 'pack shorter than its trailer');
  const lenBuf = await backend.get(name, { offset: size - 4, length: 4 });
  const hl = lenBuf.readUInt32LE(0);
  if (hl + 4 > size) throw new IntegrityError(name, `pack header length ${hl} exceeds pack size ${size}`);
  const sealed = await backend.get(name, { offset: size - 4 - hl, length: hl });
  return decodePackHeader(open(encKey, 'pack-header', sealed, name), name);
}
