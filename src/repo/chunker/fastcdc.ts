import { AVG_CHUNK, MASK_L, MASK_S, MAX_CHUNK, MIN_CHUNK } from './params.js';

/**
 * Returns the end (exclusive) of the chunk starting at `start` in buf[start, end).
 * The caller must supply at least MAX_CHUNK bytes unless the input ends at `end`.
 * The first MIN_CHUNK bytes of a chunk are not hashed (FastCDC cut-point skipping).
 */
export function findCut(gear: Int32Array, buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n <= MIN_CHUNK) return end;
  const limit = start + (n < MAX_CHUNK ? n : MAX_CHUNK);
  const normal = start + (n < AVG_CHUNK ? n : AVG_CHUNK);
  let h = 0;
  let i = start + MIN_CHUNK;
  for (; i < normal; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0;
    if ((h & MASK_S) === 0) return i + 1;
  }
  for (; i < limit; i++) {
    h = ((h << 1) + gear[buf[i]!]!) | 0;
    if ((h & MASK_L) === 0) return i + 1;
  }
  return limit;
}
