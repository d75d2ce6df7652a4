import { StorageError } from '../backend.js';

/** Errors that tend to clear up by themselves: descriptor exhaustion, contention, network file systems. */
const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EWOULDBLOCK', 'EBUSY', 'EINTR', 'ETIMEDOUT',
  'ECONNRESET', 'ESTALE', 'ENOMEM', 'ENOBUFS']);

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e && typeof e.code === 'string' ? e.code : undefined;
}

/**
 * One vocabulary for file-system failures. `missingIsNotFound` is false for writes,
 * where a missing directory is our bug or a vanished root, not an absent object.
 */
export function mapFsError(e: unknown, what: string, key: string | undefined, missingIsNotFound: boolean): StorageError {
  if (e instanceof StorageError) return e;
  const code = errnoCode(e) ?? 'UNKNOWN';
  const opts = { key, cause: e };
  if (missingIsNotFound && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')) {
    return new StorageError('not-found', `object not found: ${key ?? what}`, opts);
  }
  const kind = TRANSIENT.has(code) ? 'transient' : 'permanent';
  return new StorageError(kind, `${what} failed (${code}): ${e instanceof Error ? e.message : String(e)}`, opts);
}
