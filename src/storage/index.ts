/**
 * storage — where repository objects live.
 *  backend   an object store with put / get (ranged) / stat / list / delete over string keys
 *  key       a relative '/'-separated name (`data/ab/<pack>`); rules in backend.ts
 *  prefix    a key start used to list (`snapshots/`), or a backend's root inside a bucket
 *  location  a string naming a backend: `local:/abs/path` or `s3:https://host/bucket/prefix`
 *  wrapper   a backend around another adding behaviour (retry, fault injection)
 *  transient an error that may go away when the call is repeated; only these are retried
 * Imports only errors.
 */
export * from './backend.js';
export { assertValidPrefix } from './prefix.js';
export { checkRange } from './range.js';
export { MemBackend } from './mem/mem-backend.js';
export { LocalBackend, type LocalBackendOptions } from './local/local-backend.js';
export { RetryBackend, type RetryOptions, type RetryInfo } from './wrap/retry-backend.js';
// S3Backend is imported from './s3/s3-backend.js' directly, or built by openBackend(),
// so that importing this index does not load the AWS SDK.
export type { S3Options, S3BackendOptions } from './s3/s3-options.js';
export { parseLocation, openBackend, type Location, type OpenOptions } from './open.js';
