/**
 * repository — one open repository.
 *  config      `config`: version, repository id, algorithm names, pack size (sealed)
 *  key file    `keys/<sha256>`: the master key wrapped by a passphrase or KEK
 *  blob store  save (dedup against the master index and blobs in flight), load (verified)
 *  flush       finish open packs, upload them, then write an index object for them
 */
export * from './config.js';
export * from './repository.js';
export * from './open.js';
