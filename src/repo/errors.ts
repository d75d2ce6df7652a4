import { ERROR_REGISTRY } from '../errors/index.js';
import { StorageError, type StorageErrorKind } from '../storage/backend.js';

/**
 * Errors raised by the engine. Each carries a literal `code` (registered in
 * src/errors, which gives its status and default retry flag) so callers (CLI, agent)
 * map it without string matching; causes are kept with `{ cause }`.
 *
 * The one rule of the taxonomy: REPO_INTEGRITY is for bytes that were read and do not
 * verify, or objects the repository's own index promises and the store does not have.
 * A store that cannot be reached (timeouts, outages, refused credentials) is
 * BUCKET_UNAVAILABLE, with the storage error as the cause.
 */
export type RepoErrorCode =
  | 'REPO_INTEGRITY'
  | 'REPO_WRONG_KEY'
  | 'REPO_FORMAT'
  | 'REPO_EXISTS'
  | 'REPO_NOT_FOUND'
  | 'REPO_LOCKED'
  | 'REPO_SNAPSHOT_NOT_FOUND'
  | 'REPO_PATH_NOT_FOUND'
  | 'REPO_UNSAFE_PATH'
  | 'REPO_RESTORE_CONFLICT'
  | 'REPO_ABORTED'
  | 'BUCKET_UNAVAILABLE';

export class RepoError extends Error {
  readonly code: RepoErrorCode;
  /** The repository object (key, blob id, path) the error is about, when there is one. */
  readonly object: string | undefined;

  constructor(code: RepoErrorCode, message: string, opts: { object?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'RepoError';
    this.code = code;
    this.object = opts.object;
  }

  /** Whether repeating the operation may succeed. */
  get retryable(): boolean { return ERROR_REGISTRY[this.code].retryable; }
}

/** Authentication failed, a hash did not match, or a structure is corrupt: the named object cannot be trusted. */
export class IntegrityError extends RepoError {
  constructor(object: string, message: string, opts: { cause?: unknown } = {}) {
    super('REPO_INTEGRITY', `integrity check failed for ${object}: ${message}`, { object, cause: opts.cause });
    this.name = 'IntegrityError';
  }
}

/** A blob the repository refers to is in no index: the repository is missing it. */
export class MissingBlobError extends IntegrityError {
  constructor(readonly blob: string, context = '') {
    super(`blob ${blob}`, `not in the index${context}`);
    this.name = 'MissingBlobError';
  }
}

/**
 * The object store failed (BUCKET_UNAVAILABLE). `kind` is the storage error's: a
 * transient outage is retryable, a permanent refusal (credentials, missing bucket) is not.
 */
export class StorageUnavailableError extends RepoError {
  readonly kind: StorageErrorKind;

  constructor(message: string, cause: StorageError, object?: string) {
    super('BUCKET_UNAVAILABLE', message, { cause, ...(object !== undefined ? { object } : {}) });
    this.name = 'StorageUnavailableError';
    this.kind = cause.kind;
  }

  override get retryable(): boolean { return this.kind === 'transient'; }
}

/**
 * Classifies a failed read of an object the repository says exists (a pack the index
 * names, a blob range): absent or short → integrity (the repository is damaged);
 * an outage → BUCKET_UNAVAILABLE; anything else (a bug, an abort) unchanged.
 */
export function readFailure(e: unknown, what: string, object: string): unknown {
  if (!(e instanceof StorageError)) return e;
  if (e.kind === 'not-found' || e.kind === 'invalid-range') return new IntegrityError(object, `${what}: ${e.message}`, { cause: e });
  return new StorageUnavailableError(`${what}: ${e.message}`, e, object);
}

/** A failed write or listing: an outage is BUCKET_UNAVAILABLE, anything else unchanged. */
export function storeFailure(e: unknown, what: string): unknown {
  if (!(e instanceof StorageError) || e.kind === 'not-found' || e.kind === 'invalid-range' || e.kind === 'invalid-key') return e;
  return new StorageUnavailableError(`${what}: ${e.message}`, e);
}

/** True for a failure of the store itself (not of the bytes it returned). */
export function isUnavailable(e: unknown): boolean {
  return (e instanceof RepoError && e.code === 'BUCKET_UNAVAILABLE') || (e instanceof StorageError && (e.kind === 'transient' || e.kind === 'permanent'));
}

export function isRepoError(e: unknown, code?: RepoErrorCode): e is RepoError {
  return e instanceof RepoError && (code === undefined || e.code === code);
}
