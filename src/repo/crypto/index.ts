/**
 * crypto — keys and sealing.
 *  master key  the repository secret: encryption key, MAC key (blob ids), chunker seed
 *  key file    the master key wrapped by a passphrase (scrypt) or a key-encryption key (KEK)
 *  key export  the master key in the clear (base64 JSON) for offline recovery
 *  seal/open   AES-256-GCM with a random 12-byte nonce and a per-kind associated data
 *  blob id     HMAC-SHA256(macKey, plaintext); object id = SHA-256 of stored bytes
 */
export * from './master-key.js';
export * from './seal.js';
export * from './ids.js';
export * from './key-file.js';
export * from './key-export.js';
