/**
 * chunker — content-defined chunking (FastCDC, normalized, gear hash).
 *  gear table  256 secret 32-bit words derived from the repository's chunker seed
 *  cut point   where a chunk ends: the gear hash's high bits are all zero, or max size
 *  chunk       512 KiB ≤ length ≤ 8 MiB (shorter only at the end of input), ~1 MiB average
 */
export * from './params.js';
export * from './gear.js';
export * from './fastcdc.js';
export * from './stream-chunker.js';
export * from './wasm-cutter.js';
