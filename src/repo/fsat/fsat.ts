import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, type Stats } from 'node:fs';
import { RepoError } from '../errors.js';

const PROC = existsSync('/proc/self/fd');
/** Paths of directories opened where /proc is missing (the fallback). */
const paths = new Map<number, Buffer>();

/** Read-only, a directory, and not through a symlink at the last component. */
export const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** True when paths at a directory fd are race-free (Linux /proc). */
export const FD_PATHS_RACE_FREE = PROC;

/** A path naming `name` inside the directory held by `dirFd`. */
export function pathAt(dirFd: number, name: Buffer | string): Buffer {
  const n = typeof name === 'string' ? Buffer.from(name) : name;
  if (PROC) return Buffer.concat([Buffer.from(`/proc/self/fd/${dirFd}/`), n]);
  const base = paths.get(dirFd);
  if (base === undefined) throw new Error(`fd ${dirFd} was not opened through fsat`);
  return Buffer.concat([base, Buffer.from('/'), n]);
}

/**
 * A path naming the directory held by `dirFd` itself, usable by this process and by
 * the processes it spawns (`/proc/<pid>/fd/<fd>`), for interfaces that take a path.
 */
export function pathOfFd(dirFd: number): string {
  if (PROC) return `/proc/${process.pid}/fd/${dirFd}`;
  const base = paths.get(dirFd);
  if (base === undefined) throw new Error(`fd ${dirFd} was not opened through fsat`);
  return base.toString();
}

/** `name` inside `dirFd`, for a spawned process (which has its own /proc/self). */
export function childPathAt(dirFd: number, name: Buffer): Buffer {
  return PROC ? Buffer.concat([Buffer.from(`${pathOfFd(dirFd)}/`), name]) : pathAt(dirFd, name);
}

function remember(fd: number, path: Buffer): number {
  if (!PROC) paths.set(fd, path);
  return fd;
}

/**
 * Opens a directory the caller names by path (an operator's target, a working
 * environment's root): symlinks in that path are followed, as the caller meant them.
 * With `create`, missing directories are created first (mode 0700).
 */
export function openDirectory(path: string, opts: { create?: boolean } = {}): number {
  if (opts.create) mkdirSync(path, { recursive: true, mode: 0o700 });
  return remember(openSync(path, constants.O_RDONLY | constants.O_DIRECTORY), Buffer.from(path));
}

export function closeDir(fd: number): void {
  paths.delete(fd);
  closeSync(fd);
}

/** lstat of `name` in `dirFd`; undefined when nothing is there. */
export function lstatAt(dirFd: number, name: Buffer): Stats | undefined {
  return lstatSync(pathAt(dirFd, name), { throwIfNoEntry: false });
}

/**
 * Opens the real directory `name` inside `dirFd`, never through a symlink.
 * @param where the path shown in errors
 * @throws RepoError REPO_UNSAFE_PATH when `name` is a symlink, REPO_RESTORE_CONFLICT
 *   when it is something else that is not a directory; the errno error when absent
 */
export function openDirAt(dirFd: number, name: Buffer, where: string): number {
  const p = pathAt(dirFd, name);
  try {
    return remember(openSync(p, DIR_FLAGS), p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'ENOTDIR' && code !== 'ELOOP') throw e;
    const st = lstatSync(p, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) throw new RepoError('REPO_UNSAFE_PATH', `${where} is a symlink; refusing to go through it`, { object: where, cause: e });
    throw new RepoError('REPO_RESTORE_CONFLICT', `${where} exists and is not a directory`, { object: where, cause: e });
  }
}

/**
 * Creates directory `name` in `dirFd`, or accepts one that exists (creation shared by
 * concurrent restores is idempotent), and opens it without following a symlink.
 */
export function ensureDirAt(dirFd: number, name: Buffer, where: string, mode = 0o700): number {
  try {
    mkdirSync(pathAt(dirFd, name), { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return openDirAt(dirFd, name, where);
}
