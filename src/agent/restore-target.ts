import { fchmodSync, linkSync, mkdirSync, readdirSync, renameSync, rmdirSync, unlinkSync } from 'node:fs';
import {
  closeDir, ensureDirAt, lstatAt, nameBytes, openDirAt, openDirectory, pathAt, pathOfFd, RepoError,
} from '../repo/index.js';

/**
 * Where restores write, held safely. Every directory a restore creates, enters or
 * renames into is an open descriptor reached from the working environment's root one
 * component at a time, never through a symlink (O_NOFOLLOW; a symlink on the way is
 * REPO_UNSAFE_PATH, which fails the task without retries); every name is created or
 * moved relative to such a descriptor (/proc/self/fd/N/name), so nothing swapped in
 * while the restore runs can redirect a write outside the target.
 *
 * What it does not defend against: someone who can write both inside the volume and
 * outside it moving a directory the restore holds out of the volume; the restore then
 * writes into that directory where it now is, as any openat-based tool would.
 */

/** A directory held open; `where` is how errors name it (a path inside the volume or WE). */
export class HeldDir {
  constructor(readonly fd: number, readonly where: string) {}

  /** A path naming this very directory, for interfaces that take a path (the engine's restore target). */
  get path(): string { return pathOfFd(this.fd); }

  close(): void { closeDir(this.fd); }
}

const join = (where: string, name: string): string => (where === '/' ? `/${name}` : `${where}/${name}`);

/** The working environment's root, as the operator configured it (symlinks in that path are the operator's). */
export function openRoot(root: string): HeldDir {
  return new HeldDir(openDirectory(root), '/');
}

/** A directory inside `base` named by escaped-form segments, opened without following a symlink; undefined when a segment is missing. */
export function openPath(base: HeldDir, segs: readonly string[]): HeldDir | undefined {
  let cur = base;
  try {
    for (const s of segs) {
      const where = join(cur.where, s);
      let fd: number;
      try {
        fd = openDirAt(cur.fd, nameBytes(s), where);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      if (cur !== base) cur.close();
      cur = new HeldDir(fd, where);
    }
    return cur === base ? new HeldDir(openDirAt(base.fd, Buffer.from('.'), base.where), base.where) : cur;
  } catch (e) {
    if (cur !== base) cur.close();
    throw e;
  }
}

/**
 * The directory `segs` (escaped form) below `base`, creating what is missing. Creation
 * is idempotent, so restores running side by side into one new folder share its
 * parents without racing; a symlink anywhere on the way is refused.
 */
export function makePath(base: HeldDir, segs: readonly string[]): HeldDir {
  let cur = new HeldDir(openDirAt(base.fd, Buffer.from('.'), base.where), base.where);
  try {
    for (const s of segs) {
      const where = join(cur.where, s);
      const next = new HeldDir(ensureDirAt(cur.fd, nameBytes(s), where, 0o755), where);
      cur.close();
      cur = next;
    }
    return cur;
  } catch (e) {
    cur.close();
    throw e;
  }
}

/**
 * A fresh work directory `name` in `dir` (whatever a killed earlier attempt left there
 * is removed first), created with `mode` and held.
 */
export function makeWorkDir(dir: HeldDir, name: Buffer, mode: number): HeldDir {
  removeTree(dir, name);
  mkdirSync(pathAt(dir.fd, name), { mode });
  const where = join(dir.where, name.toString());
  return new HeldDir(openDirAt(dir.fd, name, where), where);
}

export function exists(dir: HeldDir, name: Buffer): boolean {
  return lstatAt(dir.fd, name) !== undefined;
}

/** The first free name among `name`, `name.restored`, `name.restored-2`, … in `dir`. */
export function freeName(dir: HeldDir, name: Buffer): Buffer {
  for (let i = 0; ; i++) {
    const c = i === 0 ? name : Buffer.concat([name, Buffer.from(i === 1 ? '.restored' : `.restored-${i}`)]);
    if (!exists(dir, c)) return c;
  }
}

/**
 * Moves entry `name` of `from` into `to` under the first free name of `want`, never
 * replacing what is there: a file or link is hard-linked (which fails rather than
 * replace) and then unlinked; a directory is renamed after checking the name is free
 * (rename(2) would replace only an empty directory created in that instant).
 * @returns the name it got
 */
export function moveInto(from: HeldDir, name: Buffer, to: HeldDir, want: Buffer): Buffer {
  const st = lstatAt(from.fd, name);
  if (!st) throw new RepoError('REPO_PATH_NOT_FOUND', `${join(from.where, name.toString())} vanished before it could be placed`);
  for (;;) {
    const target = freeName(to, want);
    if (st.isDirectory()) {
      renameSync(pathAt(from.fd, name), pathAt(to.fd, target));
      return target;
    }
    try {
      linkSync(pathAt(from.fd, name), pathAt(to.fd, target));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      // File systems without hard links: the checked rename is the best there is.
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'EMLINK' && code !== 'EXDEV') throw e;
      renameSync(pathAt(from.fd, name), pathAt(to.fd, target));
      return target;
    }
    unlinkSync(pathAt(from.fd, name));
    return target;
  }
}

/**
 * Removes entry `name` of `dir` and everything below it, relative to descriptors (deep
 * trees, long paths, read-only directories it restored itself), never following a symlink.
 */
export function removeTree(dir: HeldDir, name: Buffer): void {
  const st = lstatAt(dir.fd, name);
  if (!st) return;
  if (!st.isDirectory()) {
    unlinkSync(pathAt(dir.fd, name));
    return;
  }
  const sub = new HeldDir(openDirAt(dir.fd, name, join(dir.where, name.toString())), join(dir.where, name.toString()));
  try {
    // Restored directories may be read-only (0o555, 0o000): ours to empty.
    try { fchmodSync(sub.fd, 0o700); } catch { /* not ours: the removal below says why */ }
    for (const child of readdirSync(sub.path, { encoding: 'buffer' })) removeTree(sub, child);
  } finally {
    sub.close();
  }
  rmdirSync(pathAt(dir.fd, name));
}
