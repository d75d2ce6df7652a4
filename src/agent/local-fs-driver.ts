import { lstat, opendir, readdir, realpath, statfs } from 'node:fs/promises';
import { BoundedHeap } from './bounded-heap.js';
import { join, sep } from 'node:path';

/** Names the agent itself creates inside a WE root or a volume (restores in progress); never volumes, never listed. */
export const INTERNAL_PREFIX = '.cbs-';

export interface LiveEntry { inode: number; name: string; type: 'FILE' | 'DIRECTORY' | 'SYMLINK' | 'OTHER'; size: number; mtime: number }

/** A volume or path problem the control plane should show as such (code from the error registry). */
export class DriverError extends Error {
  constructor(readonly code: 'VOLUME_NOT_FOUND' | 'VALIDATION_FAILED', message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'DriverError';
  }
}

/**
 * The `local-fs` working-environment driver: `root` is a directory; each immediate
 * subdirectory is a volume (hidden names and the agent's own `.cbs-*` work dirs are
 * not). Capacity comes from statfs of the file system holding the volume.
 */
export class LocalFsDriver {
  constructor(readonly root: string) {}

  async discover(): Promise<Array<{ name: string; allocated: number; used: number }>> {
    const entries = await readdir(this.root, { withFileTypes: true });
    const out = [];
    for (const e of entries) {
      if (!e.isDirectory() || e.name.startsWith('.')) continue;
      try {
        const s = await statfs(join(this.root, e.name));
        out.push({ name: e.name, allocated: s.blocks * s.bsize, used: (s.blocks - s.bfree) * s.bsize });
      } catch {
        // Vanished or unreadable between readdir and statfs: not reported, so it shows as missing.
      }
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The volume's directory; VOLUME_NOT_FOUND when it is gone or not a directory. */
  async volumeDir(name: string): Promise<string> {
    assertSegment(name, 'volume name');
    const dir = join(this.root, name);
    let st;
    try {
      st = await lstat(dir);
    } catch (e) {
      throw new DriverError('VOLUME_NOT_FOUND', `volume "${name}" cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}`, { cause: e });
    }
    if (!st.isDirectory()) throw new DriverError('VOLUME_NOT_FOUND', `volume "${name}" is not a directory`);
    return dir;
  }

  /** Path of a volume that does not exist yet (a volume restore's target). */
  newVolumeDir(name: string): string {
    assertSegment(name, 'volume name');
    return join(this.root, name);
  }

  /**
   * A directory inside a volume, resolved without leaving it: symlinks that lead
   * outside the volume are refused.
   */
  async resolveInside(volumeName: string, path: string): Promise<string> {
    const vol = await realpath(await this.volumeDir(volumeName));
    const segs = path.split('/').filter((s) => s !== '');
    for (const s of segs) assertSegment(s, 'path');
    let real: string;
    try {
      real = await realpath(join(vol, ...segs));
    } catch (e) {
      throw new DriverError('VALIDATION_FAILED', `path ${path} does not exist in volume "${volumeName}"`, { cause: e });
    }
    if (real !== vol && !real.startsWith(vol + sep)) throw new DriverError('VALIDATION_FAILED', `path ${path} leads outside volume "${volumeName}"`);
    return real;
  }

  /**
   * A page of a live directory: the `limit` first names after `after`, in name order
   * (JavaScript string order, as `Array.prototype.sort`), with `total` (entries in the
   * directory) and `more` (names follow the page). The directory is streamed once per
   * page (opendir), keeping only `limit` names: memory is bounded by the page whatever
   * the directory's size. The agent's own `.cbs-` work directories are never listed.
   * A name removed while listing is left out.
   */
  async listLive(volumeName: string, path: string, page: { after?: string; limit: number }): Promise<{ entries: LiveEntry[]; total: number; more: boolean }> {
    const dir = await this.resolveInside(volumeName, path);
    const after = page.after;
    const heap = new BoundedHeap<string>(page.limit, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    let total = 0;
    let following = 0;
    // The largest read buffer and explicit reads: for a directory of a million names the
    // read itself is most of a page's time (async iteration costs half as much again).
    const d = await opendir(dir, { bufferSize: 1024 });
    try {
      for (let e = await d.read(); e !== null; e = await d.read()) {
        if (e.name.startsWith(INTERNAL_PREFIX)) continue;
        total++;
        if (after !== undefined && !(e.name > after)) continue;
        following++;
        heap.offer(e.name);
      }
    } finally {
      await d.close().catch(() => undefined);
    }
    const names = heap.sorted();
    const entries: LiveEntry[] = [];
    for (const name of names) {
      try {
        const st = await lstat(join(dir, name), { bigint: true });
        const type = st.isFile() ? 'FILE' : st.isDirectory() ? 'DIRECTORY' : st.isSymbolicLink() ? 'SYMLINK' : 'OTHER';
        entries.push({ inode: Number(st.ino), name, type, size: type === 'FILE' ? Number(st.size) : 0, mtime: Number(st.mtimeNs / 1_000_000n) });
      } catch {
        // Removed while listing: a live directory changes under us.
      }
    }
    return { entries, total, more: following > names.length };
  }
}

function assertSegment(s: string, what: string): void {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\u0000')) {
    throw new DriverError('VALIDATION_FAILED', `${what} ${JSON.stringify(s)} is not a plain name`);
  }
}
