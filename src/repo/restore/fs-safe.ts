import { constants } from 'node:fs';
import { lstat, mkdir, open, rmdir, unlink, type FileHandle } from 'node:fs/promises';
import { RepoError } from '../errors.js';

const errno = (e: unknown): string | undefined => (e as NodeJS.ErrnoException)?.code;

/**
 * Creates (or accepts an existing) real directory at `path`. Its parent was created
 * or checked the same way, so no component of the path is a symlink.
 */
export async function ensureDir(path: string, overwrite: boolean): Promise<void> {
  try {
    await mkdir(path, { mode: 0o700 });
    return;
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e;
  }
  const st = await lstat(path);
  if (st.isDirectory()) return;
  if (st.isSymbolicLink()) {
    if (!overwrite) throw new RepoError('REPO_UNSAFE_PATH', `refusing to restore through existing symlink ${path}`, { object: path });
  } else if (!overwrite) {
    throw new RepoError('REPO_RESTORE_CONFLICT', `${path} exists and is not a directory`, { object: path });
  }
  await unlink(path);
  await mkdir(path, { mode: 0o700 });
}

/** Removes whatever non-directory is at `path` (overwrite) or refuses when something is there. */
export async function clearPath(path: string, overwrite: boolean): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if (errno(e) === 'ENOENT') return;
    throw e;
  }
  if (!overwrite) throw new RepoError('REPO_RESTORE_CONFLICT', `${path} already exists`, { object: path });
  if (st.isDirectory()) {
    try {
      await rmdir(path);
    } catch (e) {
      throw new RepoError('REPO_RESTORE_CONFLICT', `${path} is a non-empty directory`, { object: path, cause: e });
    }
  } else {
    await unlink(path);
  }
}

/** Creates a new file; never follows a symlink and never writes into an existing inode. */
export async function createFile(path: string): Promise<FileHandle> {
  return open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
}

export async function openForWrite(path: string): Promise<FileHandle> {
  return open(path, constants.O_WRONLY | constants.O_NOFOLLOW);
}

export async function openNoFollow(path: string, dir: boolean): Promise<FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NOFOLLOW | (dir ? constants.O_DIRECTORY : 0));
}
