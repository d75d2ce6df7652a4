/**
 * The object-store contract every backend (local, s3, mem) fulfils, and the wrappers
 * (retry, fault injection, metrics) preserve. The conformance suite in
 * `storage/testing/` checks it against every implementation.
 *
 * Keys are relative, '/'-separated paths such as `config`, `keys/<id>`,
 * `data/ab/<packid>`. A key never starts with '/', never contains '..', '//' or a
 * backslash, and uses only [A-Za-z0-9._/-]. A backend may be given a prefix (a
 * sub-directory or S3 key prefix) under which all keys live.
 */
export interface ObjectInfo {
  readonly key: string;
  readonly size: number;
}

export interface ByteRange {
  readonly offset: number;
  /** Number of bytes to read; reading past the end is an error, not a short read. */
  readonly length: number;
}

/** The names of the Backend operations, as wrappers and metrics label them. */
export type BackendMethod = 'put' | 'get' | 'stat' | 'list' | 'delete';

export interface Backend {
  /** Human-readable location, e.g. `local:/srv/bucket` or `s3:https://host/bucket/prefix`. Never holds secrets. */
  readonly location: string;

  /**
   * Stores `data` under `key`, atomically: after it resolves the whole object is
   * readable; if it rejects or the process dies, the key is either absent or holds a
   * previous whole object — never a partial one. Objects are write-once in the
   * repository format, but overwriting with the same content must succeed
   * (a retried write). Safe to retry.
   */
  put(key: string, data: Uint8Array): Promise<void>;

  /**
   * Reads the whole object, or exactly `range` of it. Rejects with a StorageError of
   * kind `not-found` if the key is absent, and `invalid-range` if the range exceeds
   * the object. Idempotent.
   */
  get(key: string, range?: ByteRange): Promise<Buffer>;

  /** Size of the object; `not-found` if absent. */
  stat(key: string): Promise<ObjectInfo>;

  /**
   * Every object whose key starts with `prefix` (e.g. `snapshots/`, `data/`), in no
   * particular order; each exactly once. Objects being written concurrently may or may
   * not appear, but never as partial objects.
   */
  list(prefix: string): AsyncIterable<ObjectInfo>;

  /** Removes the object. Removing an absent key succeeds (idempotent). */
  delete(key: string): Promise<void>;

  /** Releases resources (connections, file handles). The backend is unusable after. */
  close(): Promise<void>;
}

/**
 * not-found      the key does not exist (never retried)
 * invalid-range  the requested range is outside the object (never retried)
 * invalid-key    the key violates the key rules (never retried)
 * transient      a failure that may succeed when repeated (timeouts, resets, 5xx, throttling)
 * permanent      a failure that will not go away by itself (permission denied, bad credentials, no bucket)
 */
export type StorageErrorKind = 'not-found' | 'invalid-range' | 'invalid-key' | 'transient' | 'permanent';

export class StorageError extends Error {
  readonly kind: StorageErrorKind;
  readonly key: string | undefined;

  constructor(kind: StorageErrorKind, message: string, opts: { key?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StorageError';
    this.kind = kind;
    this.key = opts.key;
  }

  get retryable(): boolean { return this.kind === 'transient'; }
}

export function isNotFound(e: unknown): boolean {
  return e instanceof StorageError && e.kind === 'not-found';
}

const KEY_RE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** Throws `invalid-key` unless `key` follows the key rules above. */
export function assertValidKey(key: string): void {
  if (!KEY_RE.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new StorageError('invalid-key', `invalid object key: ${JSON.stringify(key)}`, { key });
  }
}
