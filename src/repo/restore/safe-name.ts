import { RepoError } from '../errors.js';
import { unescapeName } from '../tree/index.js';

/**
 * A tree entry name (escaped form) is safe when it names exactly one entry inside its
 * directory: not empty, not `.` or `..`, no `/`, no NUL. Anything else could step
 * outside the restore target, so the whole restore is refused.
 */
export function assertSafeName(name: unknown, where: string): asserts name is string {
  if (typeof name !== 'string' || name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new RepoError('REPO_UNSAFE_PATH', `refusing unsafe name ${JSON.stringify(name)} in ${where || '/'}`, { object: `${where}/${String(name)}` });
  }
}

/**
 * Splits a snapshot path (`/a/b`, `a/b/`, components in escaped form) into checked
 * components; `/` or '' gives []. A component that is not a canonical escaped name
 * names nothing in any snapshot: REPO_PATH_NOT_FOUND.
 */
export function splitSnapshotPath(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '');
  for (const p of parts) {
    assertSafeName(p, path);
    try {
      unescapeName(p);
    } catch (e) {
      throw new RepoError('REPO_PATH_NOT_FOUND', `${path}: ${(e as Error).message}`, { object: path, cause: e });
    }
  }
  return parts;
}
