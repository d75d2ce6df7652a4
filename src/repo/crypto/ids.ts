import { createHash, createHmac } from 'node:crypto';

/** Blob id: HMAC-SHA256 of the plaintext under the repository's MAC key (algorithm `hmac-sha256`). */
export function blobId(macKey: Buffer, data: Uint8Array): Buffer {
  return createHmac('sha256', macKey).update(data).digest();
}

/** Storage-object id: SHA-256 of the stored bytes (packs, index, snapshots, keys). */
export function sha256(parts: Uint8Array | readonly Uint8Array[]): Buffer {
  const h = createHash('sha256');
  if (parts instanceof Uint8Array) h.update(parts);
  else for (const p of parts) h.update(p);
  return h.digest();
}
