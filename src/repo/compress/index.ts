/**
 * compress — per-blob zstd.
 *  flag     first plaintext byte of a sealed payload: 0 = stored raw, 1 = zstd frame
 *  payload  flag byte followed by the (maybe compressed) bytes; compression is skipped
 *           when it does not shrink the data
 */
export * from './zstd.js';
