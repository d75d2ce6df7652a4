import { closeDir, openDirAt } from '../fsat/index.js';
import { nameBytes } from '../tree/index.js';
import { ROOT, type PlannedNode } from './plan.js';

/**
 * Open descriptors of the restore's directories, so every entry is created relative
 * to its parent's descriptor and never through a path that could be swapped meanwhile.
 * A directory not held is reopened from its nearest held ancestor one component at a
 * time, never through a symlink (REPO_UNSAFE_PATH otherwise). At most `capacity`
 * unpinned descriptors stay open (least recently used are closed).
 */
export class DirHandles {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly held = new Map<number, { fd: number; pins: number }>();

  constructor(private readonly rootFd: number, private readonly dirs: readonly PlannedNode[], private readonly capacity = 256) {}

  /** The descriptor of planned directory `i` (ROOT: the target), pinned until release(i). */
  acquire(i: number): number {
    if (i === ROOT) return this.rootFd;
    const hit = this.held.get(i);
    if (hit) {
      this.held.delete(i);
      this.held.set(i, hit);
      hit.pins++;
      return hit.fd;
    }
    const chain: number[] = [];
    let j = i;
    while (j !== ROOT && !this.held.has(j)) {
      chain.push(j);
      j = this.dirs[j]!.parent;
    }
    let parent = j;
    let parentFd = this.acquire(parent);
    try {
      for (let k = chain.length - 1; k >= 0; k--) {
        const d = this.dirs[chain[k]!]!;
        const fd = openDirAt(parentFd, nameBytes(d.name), d.path);
        this.put(chain[k]!, fd, 1);
        this.release(parent);
        parent = chain[k]!;
        parentFd = fd;
      }
    } catch (e) {
      this.release(parent);
      throw e;
    }
    return parentFd;
  }

  release(i: number): void {
    if (i === ROOT) return;
    const h = this.held.get(i);
    if (h && h.pins > 0) h.pins--;
  }

  /** Takes over a descriptor the caller opened for directory `i` (unpinned). */
  adopt(i: number, fd: number): void {
    const old = this.held.get(i);
    if (old) {
      this.held.delete(i);
      closeDir(old.fd);
    }
    this.put(i, fd, 0);
  }

  /** Closes every descriptor (the root's belongs to the caller). */
  close(): void {
    for (const h of this.held.values()) closeDir(h.fd);
    this.held.clear();
  }

  private put(i: number, fd: number, pins: number): void {
    this.held.set(i, { fd, pins });
    if (this.held.size <= this.capacity) return;
    for (const [k, h] of this.held) {
      if (this.held.size <= this.capacity) break;
      if (h.pins > 0) continue;
      this.held.delete(k);
      closeDir(h.fd);
    }
  }
}
