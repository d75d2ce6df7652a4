import { decodePayload, maybeCompress } from '../compress/index.js';
import { blobId, open, seal, type SealKind } from '../crypto/index.js';
import { IntegrityError } from '../errors.js';

/**
 * A sealed payload: seal(kind, flag || maybe-zstd(plaintext)). Used for blobs inside
 * packs and for every metadata object (config, index, snapshot, lock).
 */
export function encodePayload(encKey: Buffer, kind: SealKind, plaintext: Uint8Array, compress = true): Buffer {
  const [flag, body] = compress ? maybeCompress(plaintext) : [0, plaintext];
  return seal(encKey, kind, [Buffer.of(flag), body]);
}

export function decodeSealedPayload(encKey: Buffer, kind: SealKind, sealed: Uint8Array, object: string): Buffer {
  return decodePayload(open(encKey, kind, sealed, object), object);
}

/**
 * Opens one sealed blob and proves it is the blob asked for: it must authenticate,
 * decompress, have the recorded plaintext length, and hash (HMAC) to its id.
 */
export function openVerifiedBlob(encKey: Buffer, macKey: Buffer, id: Buffer, sealed: Uint8Array, rawLength: number, packId: string): Buffer {
  const object = `blob ${id.toString('hex')} in pack ${packId}`;
  const plain = decodeSealedPayload(encKey, 'blob', sealed, object);
  if (plain.length !== rawLength) throw new IntegrityError(object, `plaintext is ${plain.length} bytes, index says ${rawLength}`);
  if (!blobId(macKey, plain).equals(id)) throw new IntegrityError(object, 'content does not match its id');
  return plain;
}
