/**
 * pack — the unit of data storage.
 *  blob         one sealed chunk (data) or directory listing (tree): seal(flag || payload)
 *  pack         blobs appended, then the sealed header listing them, then u32le header length
 *  pack id      SHA-256 of the pack bytes; stored at data/<first 2 hex>/<id>
 *  header entry type, sealed length, raw (plaintext) length, blob id; offsets implied by order
 */
export * from './blob-codec.js';
export * from './pack-format.js';
export * from './pack-writer.js';
export * from './pack-reader.js';
