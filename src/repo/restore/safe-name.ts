import { RepoError } from '../errors.js';

/**
 * A tree entry name is safe when it names exactly one entry inside its directory:
 * not empty, not `.` or `..`, no `/`, no NUL. Anything else could step outside the
 * restore target, so the whole restore is refused.
 */
export function assertSafeName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new RepoError('REPO_UNSAFE_PATH', `refusing unsafe name ${JSON.stringify(name)} in ${where || '/'}`, { object: `${where}/${String(name)}` });
  }
}

/** Splits a snapshot path (`/a/b`, `a/b/`) into checked components; `/` or '' gives []. */
export function splitSnapshotPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) assertSafeName(p, path);
  return parts;
}
