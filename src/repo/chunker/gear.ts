import { createHmac } from 'node:crypto';

/**
 * The 256-entry gear table, derived from the repository's secret chunker seed:
 * bytes = HMAC-SHA256(seed, "opencbs-gear" || k) for k = 0..31 concatenated,
 * read as 256 little-endian 32-bit words.
 */
export function gearTable(seed: Uint8Array): Int32Array {
  const bytes = Buffer.alloc(1024);
  for (let k = 0; k < 32; k++) {
    createHmac('sha256', seed).update('opencbs-gear').update(Buffer.of(k)).digest().copy(bytes, k * 32);
  }
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) t[i] = bytes.readInt32LE(i * 4);
  return t;
}
