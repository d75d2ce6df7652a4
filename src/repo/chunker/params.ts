/** Chunker parameters of algorithm `fastcdc-1m`; recorded in the repository config. */
export const CHUNKER_ALGORITHM = 'fastcdc-1m';
export const MIN_CHUNK = 512 * 1024;
export const AVG_CHUNK = 1024 * 1024;
export const MAX_CHUNK = 8 * 1024 * 1024;
/**
 * Normalized chunking: a harder mask (22 bits) before the average size, an easier one
 * (18 bits) after it. Masks take the high bits of the 32-bit gear hash, which depend
 * on the most recent 32 bytes.
 */
export const MASK_S = 0xfffffc00 | 0;
export const MASK_L = 0xffffc000 | 0;
