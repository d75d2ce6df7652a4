import { closeSync, constants, ftruncateSync, lstatSync, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { RepoError } from '../errors.js';

// Synchronous on purpose: metadata calls on local files take microseconds, and the
// thread-pool round trip of the async versions dominated restores of many small files.

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Creates (or accepts an existing) real directory at `path`. Its parent was created
 * or checked the same way, so no component of the path is a symlink.
 */
export function ensureDir(path: string, overwrite: boolean): void {
  try {
    mkdirSync(path, { mode: 0o700 });
    return;
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
  }
  const st = lstatSync(path);
  if (st.isDirectory()) return;
  if (st.isSymbolicLink()) {
    if (!overwrite) throw new RepoError('REPO_UNSAFE_PATH', `refusing to restore through existing symlink ${path}`, { object: path });
  } else if (!overwrite) {
    throw new RepoError('REPO_RESTORE_CONFLICT', `${path} exists and is not a directory`, { object: path });
  }
  unlinkSync(path);
  mkdirSync(path, { mode: 0o700 });
}

/** Removes whatever is at `path` (overwrite; directories only when empty) or refuses when something is there. */
export function clearPath(path: string, overwrite: boolean): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (!overwrite) throw new RepoError('REPO_RESTORE_CONFLICT', `${path} already exists`, { object: path });
  if (st.isDirectory()) {
    try {
      rmdirSync(path);
    } catch (e) {
      throw new RepoError('REPO_RESTORE_CONFLICT', `${path} is a non-empty directory`, { object: path, cause: e });
    }
  } else {
    unlinkSync(path);
  }
}

/**
 * Creates a new file of `size` bytes (sparse) and returns its descriptor. Never
 * follows a symlink and never reuses an existing inode (O_EXCL): whatever appeared at
 * the path since it was checked makes this fail.
 */
export function createFile(path: string, size: number): number {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    if (size > 0) ftruncateSync(fd, size);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

export function openNoFollow(path: string, dir: boolean): number {
  return openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | (dir ? constants.O_DIRECTORY : 0));
}
