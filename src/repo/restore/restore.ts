import { closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, symlinkSync, writeSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_CHUNK } from '../chunker/index.js';
import { IntegrityError, RepoError } from '../errors.js';
import type { IndexEntry } from '../index/index.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions } from '../lock/index.js';
import { packKey } from '../pack/index.js';
import { WorkerPool } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import { findSnapshot } from '../snapshot/index.js';
import type { TreeNode } from '../tree/index.js';
import { clearPath, createFile, ensureDir, openNoFollow } from './fs-safe.js';
import { planRestore, type PlannedNode } from './plan.js';

export interface RestoreProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  currentPath?: string;
}

export interface RestoreOptions {
  /** Snapshot id, unique prefix, or 'latest'. */
  readonly snapshotId: string;
  readonly targetDir: string;
  /** Paths inside the snapshot (files or folders) to restore; absent = everything. */
  readonly include?: readonly string[];
  /** Replace existing files and symlinks in the target. @default false */
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RestoreProgress) => void;
  /** @default os.availableParallelism() */
  readonly workers?: number;
  /** Waiting for a prune's exclusive lock. @default { timeoutMs: DEFAULT_LOCK_WAIT_MS } */
  readonly lockWait?: LockWaitOptions;
}

export interface RestoreSummary {
  readonly snapshotId: string;
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly hardlinks: number;
  /** Sockets, fifos and devices: recorded in the snapshot, not re-created. */
  readonly skipped: number;
  readonly bytes: number;
  readonly packsRead: number;
  readonly bytesFetched: number;
}

/** Two needed blobs closer than this in a pack are fetched with one ranged read… */
const MERGE_GAP = 1024 * 1024;
/** …up to this many bytes per read, so decryption and writing pipeline in small steps and memory stays bounded. */
const MAX_FETCH = 4 * 1024 * 1024;

interface Target { readonly file: FileState; readonly offset: number }
interface FileState { readonly path: string; readonly rel: string; readonly size: number; remaining: number; fd: number | undefined }

let zeros: Buffer | undefined;
function isZero(b: Buffer): boolean {
  zeros ??= Buffer.alloc(MAX_CHUNK);
  return b.length <= zeros.length && b.equals(zeros.subarray(0, b.length));
}

/**
 * Seconds as a double for utimes. libuv truncates to whole microseconds, and the
 * double may sit just below the exact value, so aim at the middle of the microsecond.
 */
function timesOf(n: TreeNode): [number, number] {
  const t = (Number(BigInt(n.mtime) / 1000n) + 0.5) / 1e6;
  return [t, t];
}

/**
 * Restores a snapshot (or parts of it) into targetDir. Nothing is written outside
 * targetDir: names are checked up front, directories are created one component at a
 * time and checked not to be symlinks, files are created with O_EXCL|O_NOFOLLOW, and
 * symlinks are created only after every file is written.
 */
export async function restore(repo: Repository, opts: RestoreOptions): Promise<RestoreSummary> {
  const wait: LockWaitOptions = { timeoutMs: DEFAULT_LOCK_WAIT_MS, ...opts.lockWait, ...(opts.signal ? { signal: opts.signal } : {}) };
  return withLock(repo, { exclusive: false, purpose: 'restore', wait }, async () => {
    // Under the lock: a snapshot found before it could be forgotten and pruned meanwhile.
    const snap = await findSnapshot(repo, opts.snapshotId);
    const signal = opts.signal;
    const overwrite = opts.overwrite ?? false;
    const plan = await planRestore(repo, snap.tree, opts.include);
    await mkdir(opts.targetDir, { recursive: true });
    const root = await realpath(opts.targetDir);
    const abs = (p: PlannedNode | readonly string[]): string => join(root, ...('parts' in p ? p.parts : p));
    const progress: RestoreProgress = { filesDone: 0, filesTotal: plan.files.length + plan.links.length, bytesDone: 0, bytesTotal: plan.bytes };
    let lastTick = 0;
    const tick = (force = false): void => {
      if (!opts.onProgress) return;
      const now = Date.now();
      if (force || now - lastTick >= 200) {
        lastTick = now;
        opts.onProgress({ ...progress });
      }
    };

    for (const d of plan.dirs) {
      signal?.throwIfAborted();
      ensureDir(abs(d), overwrite);
    }

    // Check every file path now (conflicts fail before any data is written); create
    // each file at its first write, sparse at its final size, so creation overlaps
    // with fetching and decrypting.
    const byBlob = new Map<string, Target[]>();
    const states: FileState[] = [];
    const fileDone = (f: FileState, size: number): void => {
      progress.filesDone++;
      progress.bytesDone += size;
      progress.currentPath = f.rel;
      tick();
    };
    for (const f of plan.files) {
      signal?.throwIfAborted();
      const path = abs(f);
      clearPath(path, overwrite);
      const st: FileState = { path, rel: '/' + f.parts.join('/'), size: f.node.size, remaining: 0, fd: undefined };
      states.push(st);
      let offset = 0;
      for (const hex of f.node.content ?? []) {
        const e = repo.index.get(Buffer.from(hex, 'hex'));
        if (!e) throw new IntegrityError(`blob ${hex}`, `needed by ${st.rel} but not in the index`);
        let l = byBlob.get(hex);
        if (!l) byBlob.set(hex, (l = []));
        l.push({ file: st, offset });
        st.remaining++;
        offset += e.rawLength;
      }
      if (offset !== f.node.size) throw new IntegrityError(`tree entry ${st.rel}`, `content adds up to ${offset} bytes, size says ${f.node.size}`);
      if (st.remaining === 0) {
        closeSync(createFile(path, 0));
        fileDone(st, 0);
      }
    }

    const byPack = new Map<string, IndexEntry[]>();
    for (const hex of byBlob.keys()) {
      const e = repo.index.get(Buffer.from(hex, 'hex'))!;
      let l = byPack.get(e.pack);
      if (!l) byPack.set(e.pack, (l = []));
      l.push(e);
    }

    let bytesFetched = 0;
    const pool = new WorkerPool(repo.master, undefined, opts.workers);
    // Zero blobs are not written: files were created sparse at their full size.
    const writeBlob = (plain: Buffer, targets: readonly Target[]): void => {
      const zero = isZero(plain);
      for (const t of targets) {
        const f = t.file;
        const fd = (f.fd ??= createFile(f.path, f.size));
        if (!zero) {
          let done = 0;
          while (done < plain.length) done += writeSync(fd, plain, done, plain.length - done, t.offset + done);
        }
        f.remaining--;
        progress.bytesDone += plain.length;
        if (f.remaining === 0) {
          f.fd = undefined;
          closeSync(fd);
          progress.filesDone++;
          progress.currentPath = f.rel;
        }
        tick();
      }
    };
    const fetches: [string, IndexEntry[]][] = [];
    for (const [packId, entries] of byPack) {
      entries.sort((a, b) => a.offset - b.offset);
      const groups: IndexEntry[][] = [];
      for (const e of entries) {
        const g = groups[groups.length - 1];
        const last = g?.[g.length - 1];
        if (g && last && e.offset - (last.offset + last.length) <= MERGE_GAP && e.offset + e.length - g[0]!.offset <= MAX_FETCH) g.push(e);
        else groups.push([e]);
      }
      for (const g of groups) fetches.push([packId, g]);
    }
    const packsRead = byPack.size;
    const doFetch = async (packId: string, g: IndexEntry[]): Promise<void> => {
      {
        signal?.throwIfAborted();
        const start = g[0]!.offset;
        const end = g[g.length - 1]!.offset + g[g.length - 1]!.length;
        let data: Buffer;
        try {
          data = await repo.backend.get(packKey(packId), { offset: start, length: end - start });
        } catch (e) {
          throw new RepoError('REPO_INTEGRITY', `cannot read pack ${packId}: ${(e as Error).message}`, { object: packKey(packId), cause: e });
        }
        bytesFetched += data.length;
        const plains = await pool.openBlobs(packId, data, g.map((e) => ({ id: e.id, offset: e.offset - start, length: e.length, rawLength: e.rawLength })));
        for (let i = 0; i < g.length; i++) writeBlob(plains[i]!, byBlob.get(g[i]!.id.toString('hex'))!);
      }
    };
    try {
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < fetches.length) {
          const [id, g] = fetches[next++]!;
          await doFetch(id, g);
        }
      };
      // Enough lanes that every worker has a batch queued while others fetch or write.
      await Promise.all(Array.from({ length: Math.min(fetches.length, pool.size * 2 + 1) }, lane));
    } finally {
      await pool.close();
      for (const s of states) {
        if (s.fd !== undefined) closeSync(s.fd);
        s.fd = undefined;
      }
    }

    for (const l of plan.links) {
      const path = abs(l.entry);
      clearPath(path, overwrite);
      linkSync(abs(l.to), path);
      progress.filesDone++;
    }
    for (const s of plan.symlinks) {
      const path = abs(s);
      clearPath(path, overwrite);
      symlinkSync(s.node.linkTarget!, path);
    }

    // Metadata last: files, links, then directories deepest first so their mtimes stick.
    const root0 = process.getuid?.() === 0;
    // chown before chmod: chown clears setuid/setgid bits.
    const applyFd = (path: string, n: TreeNode, dir: boolean): void => {
      const fd = openNoFollow(path, dir);
      try {
        if (root0) fchownSync(fd, n.uid, n.gid);
        fchmodSync(fd, n.mode);
        const [a, m] = timesOf(n);
        futimesSync(fd, a, m);
      } finally {
        closeSync(fd);
      }
    };
    for (const f of plan.files) applyFd(abs(f), f.node, false);
    for (const s of plan.symlinks) {
      const path = abs(s);
      if (root0) lchownSync(path, s.node.uid, s.node.gid);
      const [a, m] = timesOf(s.node);
      lutimesSync(path, a, m);
    }
    for (let i = plan.dirs.length - 1; i >= 0; i--) applyFd(abs(plan.dirs[i]!), plan.dirs[i]!.node, true);
    tick(true);
    return {
      snapshotId: snap.id,
      files: plan.files.length,
      dirs: plan.dirs.length,
      symlinks: plan.symlinks.length,
      hardlinks: plan.links.length,
      skipped: plan.skipped.length,
      bytes: plan.bytes,
      packsRead,
      bytesFetched,
    };
  });
}
