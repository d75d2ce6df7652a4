import { closeSync, constants, fstatSync, ftruncateSync, lstatSync, mkdirSync, openSync, rmdirSync, unlinkSync } from 'node:fs';
import { RepoError } from '../errors.js';
import { openDirAt, pathAt } from '../fsat/index.js';

// Every call names an entry inside a directory held open (fsat), so no path component
// can be swapped for a symlink between check and use. Synchronous on purpose: metadata
// calls on local files take microseconds, and the thread-pool round trip of the async
// versions dominated restores of many small files.

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Creates (or accepts an existing) real directory `name` in `dirFd` and opens it.
 * An existing symlink or other entry there is replaced with `overwrite`, else refused.
 */
export function restoreDirAt(dirFd: number, name: Buffer, where: string, overwrite: boolean): number {
  const p = pathAt(dirFd, name);
  try {
    mkdirSync(p, { mode: 0o700 });
    return openDirAt(dirFd, name, where);
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
  }
  const st = lstatSync(p);
  if (st.isDirectory()) return openDirAt(dirFd, name, where);
  if (st.isSymbolicLink()) {
    if (!overwrite) throw new RepoError('REPO_UNSAFE_PATH', `refusing to restore through existing symlink ${where}`, { object: where });
  } else if (!overwrite) {
    throw new RepoError('REPO_RESTORE_CONFLICT', `${where} exists and is not a directory`, { object: where });
  }
  unlinkSync(p);
  mkdirSync(p, { mode: 0o700 });
  return openDirAt(dirFd, name, where);
}

/** Removes whatever is at `name` in `dirFd` (overwrite; directories only when empty) or refuses when something is there. */
export function clearAt(dirFd: number, name: Buffer, where: string, overwrite: boolean): void {
  const p = pathAt(dirFd, name);
  const st = lstatSync(p, { throwIfNoEntry: false });
  if (!st) return;
  if (!overwrite) throw new RepoError('REPO_RESTORE_CONFLICT', `${where} already exists`, { object: where });
  if (st.isDirectory()) {
    try {
      rmdirSync(p);
    } catch (e) {
      throw new RepoError('REPO_RESTORE_CONFLICT', `${where} is a non-empty directory`, { object: where, cause: e });
    }
  } else {
    unlinkSync(p);
  }
}

/**
 * Creates a new file of `size` bytes (sparse) in `dirFd` and returns its descriptor.
 * Never follows a symlink and never reuses an existing inode (O_EXCL): whatever
 * appeared at the name since it was checked makes this fail.
 */
export function createFileAt(dirFd: number, name: Buffer, size: number): number {
  const fd = openSync(pathAt(dirFd, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    if (size > 0) ftruncateSync(fd, size);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/**
 * Opens an entry this restore created, to set its metadata through the descriptor:
 * never through a symlink, never blocking (a FIFO swapped in), and only when it is
 * still a regular file.
 */
export function openRestoredFile(dirFd: number, name: Buffer, where: string): number {
  const fd = openSync(pathAt(dirFd, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new RepoError('REPO_UNSAFE_PATH', `${where} was replaced during the restore`, { object: where });
  }
  return fd;
}
