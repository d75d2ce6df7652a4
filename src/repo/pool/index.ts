/**
 * pool — worker threads for the CPU-heavy steps.
 *  job      one file to chunk (backup) or one set of sealed blobs to open (restore)
 *  query    a worker asking the main thread whether a chunk is new (dedup + memory bound)
 */
export * from './worker-pool.js';
export type { OpenRequestBlob } from './protocol.js';
