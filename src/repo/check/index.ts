/**
 * check — prove the repository is readable and consistent.
 *  structure  index objects, pack existence and sizes, snapshot trees, blob references
 *  read data  every pack re-hashed, headers compared with the index, every blob opened
 *  error      { kind, object (the key or blob named), message }
 */
export * from './check.js';
