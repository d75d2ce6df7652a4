/**
 * index — where blobs are.
 *  index object  index/<sha256 of stored bytes>: sealed list of (pack → blobs with offset, length)
 *  master index  the in-memory union of all index objects, keyed by blob id
 *  entry         blob id, type, pack id, offset and sealed length in the pack, plaintext length
 */
export * from './index-entry.js';
export * from './master-index.js';
export * from './index-format.js';
