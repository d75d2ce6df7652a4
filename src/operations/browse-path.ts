import { posix } from 'node:path';
import { CbsError } from '../errors/index.js';

/**
 * Paths inside a volume or a backup as the API shows them: absolute, '/'-separated,
 * no '.' or '..' segments, no NUL. '' and undefined mean the root.
 */
export function normalizeBrowsePath(p: string | undefined, field: string): string {
  if (p === undefined || p === '' || p === '/') return '/';
  if (p.includes('\u0000')) throw new CbsError('VALIDATION_FAILED', `${field}: must not contain NUL`, { details: { field } });
  const segs = p.split('/').filter((s) => s !== '');
  if (segs.some((s) => s === '.' || s === '..')) {
    throw new CbsError('VALIDATION_FAILED', `${field}: must not contain "." or ".." segments`, { details: { field } });
  }
  return posix.join('/', ...segs);
}
