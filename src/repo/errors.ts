/**
 * Errors raised by the engine. Each carries a literal `code` so callers (CLI, agent)
 * can map it without string matching; causes are kept with `{ cause }`.
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
  | 'REPO_ABORTED';

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
}

/** Authentication failed, a hash did not match, or a structure is corrupt: the named object cannot be trusted. */
export class IntegrityError extends RepoError {
  constructor(object: string, message: string, opts: { cause?: unknown } = {}) {
    super('REPO_INTEGRITY', `integrity check failed for ${object}: ${message}`, { object, cause: opts.cause });
    this.name = 'IntegrityError';
  }
}

export function isRepoError(e: unknown, code?: RepoErrorCode): e is RepoError {
  return e instanceof RepoError && (code === undefined || e.code === code);
}
