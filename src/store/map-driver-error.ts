import { CbsError } from '../errors/index.js';
import type { DriverErrorKind } from './dialect.js';

/**
 * The one place where driver errors (better-sqlite3, pg, node sockets) become the
 * store's error vocabulary. Messages name the operation, never the SQL or the values;
 * the driver error travels as `cause` for the server log.
 */
export function mapDriverError(e: unknown, kind: DriverErrorKind, op: string): CbsError {
  if (e instanceof CbsError) return e;
  switch (kind) {
    case 'unavailable':
      return new CbsError('STORE_UNAVAILABLE', `job store unavailable (${op})`, { cause: e });
    case 'busy':
    case 'serialization':
      return new CbsError('STORE_UNAVAILABLE', `job store busy: ${op} gave up waiting for other writers`, { cause: e });
    case 'unique':
      return new CbsError('CONFLICT', `${op}: an object with this id already exists`, { cause: e });
    case 'foreign-key':
      return new CbsError('VALIDATION_FAILED', `${op}: refers to an object that does not exist`, { cause: e });
    case 'unknown':
      return new CbsError('INTERNAL', `job store error (${op})`, { cause: e });
    default: {
      const never: never = kind;
      return new CbsError('INTERNAL', `job store error (${op}): ${String(never)}`, { cause: e });
    }
  }
}
