import { closeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, symlinkSync, writeSync } from 'node:fs';
import { forEachLimit } from '../../concurrency/index.js';
import { MAX_CHUNK } from '../chunker/index.js';
import { IntegrityError, MissingBlobError, readFailure } from '../errors.js';
import { closeDir, openDirectory, pathAt } from '../fsat/index.js';
import type { IndexEntry } from '../index/index.js';
import { DEFAULT_LOCK_WAIT_MS, withLock, type LockWaitOptions } from '../lock/index.js';
import { packKey } from '../pack/index.js';
import { WorkerPool } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import { findSnapshot } from '../snapshot/index.js';
import { nameBytes, type TreeNode } from '../tree/index.js';
import { DirHandles } from './dir-handles.js';
import { clearAt, createFileAt, openRestoredFile, restoreDirAt } from './fs-safe.js';
import { planRestore, type PlannedNode } from './plan.js';
import { createSpecialAt, specialSkipReason } from './specials.js';

export interface RestoreProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  currentPath?: string;
}

/** Points a test can hold a restore at, to change the target in between. */
export interface RestoreHooks {
  /** Every directory exists; no file has been written. */
  afterDirs?(): Promise<void>;
  /** Every file's data is written; links, symlinks, special files and metadata are next. */
  afterData?(): Promise<void>;
}

export interface RestoreOptions {
  /** Snapshot id, unique prefix, or 'latest'. */
  readonly snapshotId: string;
  /**
   * The directory to restore into, created when missing. Symlinks in this path are
   * followed (it is the caller's own choice); nothing below it ever is.
   */
  readonly targetDir: string;
  /** Paths inside the snapshot (files or folders, escaped form) to restore; absent = everything. */
  readonly include?: readonly string[];
  /** Replace existing files and symlinks in the target. @default false */
  readonly overwrite?: boolean;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: RestoreProgress) => void;
  /** @default os.availableParallelism() */
  readonly workers?: number;
  readonly hooks?: RestoreHooks;
  /** Waiting for a prune's exclusive lock. @default { timeoutMs: DEFAULT_LOCK_WAIT_MS } */
  readonly lockWait?: LockWaitOptions;
}

export interface RestoreSummary {
  readonly snapshotId: string;
  readonly files: number;
  readonly dirs: number;
  readonly symlinks: number;
  readonly hardlinks: number;
  /** FIFOs and device nodes re-created. */
  readonly specials: number;
  /** Entries recorded in the snapshot but not re-created (sockets; devices unless root). */
  readonly skipped: number;
  /** The first (at most 100) of them: snapshot path (escaped form) and why. */
  readonly skippedItems: readonly { readonly path: string; readonly reason: string }[];
  readonly bytes: number;
  readonly packsRead: number;
  readonly bytesFetched: number;
}

/** Two needed blobs closer than this in a pack are fetched with one ranged read… */
const MERGE_GAP = 1024 * 1024;
/** …up to this many bytes per read, so decryption and writing pipeline in small steps and memory stays bounded. */
const MAX_FETCH = 4 * 1024 * 1024;
const SKIPPED_ITEMS_KEPT = 100;

interface Target { readonly file: FileState; readonly offset: number }
interface FileState { readonly entry: PlannedNode; readonly size: number; remaining: number; fd: number | undefined }

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
 * targetDir: names are checked up front; every directory is created and opened one
 * component at a time relative to its parent's open descriptor, never through a
 * symlink; files are created with O_EXCL|O_NOFOLLOW; symlinks are created only after
 * every file is written. Paths handed to the kernel stay short (fsat), so any depth
 * that could be backed up can be restored.
 */
export async function restore(repo: Repository, opts: RestoreOptions): Promise<RestoreSummary> {
  const wait: LockWaitOptions = { timeoutMs: DEFAULT_LOCK_WAIT_MS, ...opts.lockWait, ...(opts.signal ? { signal: opts.signal } : {}) };
  return withLock(repo, { exclusive: false, purpose: 'restore', wait }, async () => {
    // Under the lock: a snapshot found before it could be forgotten and pruned meanwhile.
    const snap = await findSnapshot(repo, opts.snapshotId);
    const plan = await planRestore(repo, snap.tree, opts.include);
    const rootFd = openDirectory(opts.targetDir, { create: true });
    const dirs = new DirHandles(rootFd, plan.dirs);
    try {
      return await new Restorer(repo, opts, dirs).run(plan, snap.id);
    } finally {
      dirs.close();
      closeDir(rootFd);
    }
  });
}

type Plan = Awaited<ReturnType<typeof planRestore>>;

class Restorer {
  private readonly overwrite: boolean;
  private readonly signal: AbortSignal | undefined;
  private readonly progress: RestoreProgress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  private lastTick = 0;
  private readonly asRoot = process.getuid?.() === 0;

  constructor(private readonly repo: Repository, private readonly opts: RestoreOptions, private readonly dirs: DirHandles) {
    this.overwrite = opts.overwrite ?? false;
    this.signal = opts.signal;
  }

  /** Runs `f` with the descriptor of an entry's parent directory. */
  private inParent<T>(e: PlannedNode, f: (dirFd: number) => T): T {
    const fd = this.dirs.acquire(e.parent);
    try {
      return f(fd);
    } finally {
      this.dirs.release(e.parent);
    }
  }

  private tick(force = false): void {
    if (!this.opts.onProgress) return;
    const now = Date.now();
    if (force || now - this.lastTick >= 200) {
      this.lastTick = now;
      this.opts.onProgress({ ...this.progress });
    }
  }

  async run(plan: Plan, snapshotId: string): Promise<RestoreSummary> {
    this.progress.filesTotal = plan.files.length + plan.links.length;
    this.progress.bytesTotal = plan.bytes;
    plan.dirs.forEach((d, i) => {
      this.signal?.throwIfAborted();
      const fd = this.inParent(d, (p) => restoreDirAt(p, nameBytes(d.name), d.path, this.overwrite));
      this.dirs.adopt(i, fd);
    });
    await this.opts.hooks?.afterDirs?.();
    const { packsRead, bytesFetched } = await this.writeFiles(plan);
    await this.opts.hooks?.afterData?.();

    for (const l of plan.links) {
      this.inParent(l.to, (from) => this.inParent(l.entry, (to) => {
        const name = nameBytes(l.entry.name);
        clearAt(to, name, l.entry.path, this.overwrite);
        linkSync(pathAt(from, nameBytes(l.to.name)), pathAt(to, name));
      }));
      this.progress.filesDone++;
    }
    for (const s of plan.symlinks) {
      this.inParent(s, (p) => {
        const name = nameBytes(s.name);
        clearAt(p, name, s.path, this.overwrite);
        symlinkSync(nameBytes(s.node.linkTarget!), pathAt(p, name));
      });
    }
    const skippedItems: { path: string; reason: string }[] = [];
    let skipped = 0;
    const created: PlannedNode[] = [];
    for (const s of plan.specials) {
      const reason = specialSkipReason(s.node, this.asRoot);
      if (reason !== undefined) {
        skipped++;
        if (skippedItems.length < SKIPPED_ITEMS_KEPT) skippedItems.push({ path: s.path, reason });
        continue;
      }
      const fd = this.dirs.acquire(s.parent);
      try {
        clearAt(fd, nameBytes(s.name), s.path, this.overwrite);
        await createSpecialAt(fd, s.node);
      } finally {
        this.dirs.release(s.parent);
      }
      created.push(s);
    }

    this.applyMetadata(plan, created);
    this.tick(true);
    return {
      snapshotId,
      files: plan.files.length,
      dirs: plan.dirs.length,
      symlinks: plan.symlinks.length,
      hardlinks: plan.links.length,
      specials: created.length,
      skipped,
      skippedItems,
      bytes: plan.bytes,
      packsRead,
      bytesFetched,
    };
  }

  /**
   * Checks every file's name now (conflicts fail before any data is written); creates
   * each file at its first write, sparse at its final size, so creation overlaps with
   * fetching and decrypting. Zero blobs are not written.
   */
  private async writeFiles(plan: Plan): Promise<{ packsRead: number; bytesFetched: number }> {
    const repo = this.repo;
    const byBlob = new Map<string, Target[]>();
    const states: FileState[] = [];
    for (const f of plan.files) {
      this.signal?.throwIfAborted();
      const name = nameBytes(f.name);
      this.inParent(f, (p) => clearAt(p, name, f.path, this.overwrite));
      const st: FileState = { entry: f, size: f.node.size, remaining: 0, fd: undefined };
      states.push(st);
      let offset = 0;
      for (const hex of f.node.content ?? []) {
        const e = repo.index.get(Buffer.from(hex, 'hex'));
        if (!e) throw new MissingBlobError(hex, ` (needed by ${f.path})`);
        let l = byBlob.get(hex);
        if (!l) byBlob.set(hex, (l = []));
        l.push({ file: st, offset });
        st.remaining++;
        offset += e.rawLength;
      }
      if (offset !== f.node.size) throw new IntegrityError(`tree entry ${f.path}`, `content adds up to ${offset} bytes, size says ${f.node.size}`);
      if (st.remaining === 0) {
        closeSync(this.inParent(f, (p) => createFileAt(p, name, 0)));
        this.progress.filesDone++;
        this.progress.currentPath = f.path;
        this.tick();
      }
    }

    const byPack = new Map<string, IndexEntry[]>();
    for (const hex of byBlob.keys()) {
      const e = repo.index.get(Buffer.from(hex, 'hex'))!;
      let l = byPack.get(e.pack);
      if (!l) byPack.set(e.pack, (l = []));
      l.push(e);
    }
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

    let bytesFetched = 0;
    const pool = new WorkerPool(repo.master, undefined, this.opts.workers);
    const writeBlob = (plain: Buffer, targets: readonly Target[]): void => {
      const zero = isZero(plain);
      for (const t of targets) {
        const f = t.file;
        const fd = (f.fd ??= this.inParent(f.entry, (p) => createFileAt(p, nameBytes(f.entry.name), f.size)));
        if (!zero) {
          let done = 0;
          while (done < plain.length) done += writeSync(fd, plain, done, plain.length - done, t.offset + done);
        }
        f.remaining--;
        this.progress.bytesDone += plain.length;
        if (f.remaining === 0) {
          f.fd = undefined;
          closeSync(fd);
          this.progress.filesDone++;
          this.progress.currentPath = f.entry.path;
        }
        this.tick();
      }
    };
    try {
      // Enough lanes that every worker has a batch queued while others fetch or write.
      await forEachLimit(fetches, pool.size * 2 + 1, async ([packId, g], signal) => {
        this.signal?.throwIfAborted();
        signal.throwIfAborted();
        const start = g[0]!.offset;
        const end = g[g.length - 1]!.offset + g[g.length - 1]!.length;
        let data: Buffer;
        try {
          data = await repo.backend.get(packKey(packId), { offset: start, length: end - start });
        } catch (e) {
          throw readFailure(e, `cannot read pack ${packId}`, packKey(packId));
        }
        bytesFetched += data.length;
        // Every blob is authenticated and re-hashed to its id before a byte is written.
        const plains = await pool.openBlobs(packId, data, g.map((e) => ({ id: e.id, offset: e.offset - start, length: e.length, rawLength: e.rawLength })));
        for (let i = 0; i < g.length; i++) writeBlob(plains[i]!, byBlob.get(g[i]!.id.toString('hex'))!);
      }, this.signal ? { signal: this.signal } : {});
    } finally {
      await pool.close();
      for (const s of states) {
        if (s.fd !== undefined) closeSync(s.fd);
        s.fd = undefined;
      }
    }
    return { packsRead: byPack.size, bytesFetched };
  }

  /** Metadata last: files, symlinks, special files, then directories children first so their mtimes stick. */
  private applyMetadata(plan: Plan, specials: readonly PlannedNode[]): void {
    // chown before chmod: chown clears setuid/setgid bits.
    const applyFd = (fd: number, n: TreeNode): void => {
      if (this.asRoot) fchownSync(fd, n.uid, n.gid);
      fchmodSync(fd, n.mode);
      const [a, m] = timesOf(n);
      futimesSync(fd, a, m);
    };
    for (const f of plan.files) {
      const fd = this.inParent(f, (p) => openRestoredFile(p, nameBytes(f.name), f.path));
      try {
        applyFd(fd, f.node);
      } finally {
        closeSync(fd);
      }
    }
    for (const s of [...plan.symlinks, ...specials]) {
      this.inParent(s, (p) => {
        const path = pathAt(p, nameBytes(s.name));
        if (this.asRoot) lchownSync(path, s.node.uid, s.node.gid);
        const [a, m] = timesOf(s.node);
        lutimesSync(path, a, m);
      });
    }
    for (let i = plan.dirs.length - 1; i >= 0; i--) {
      const fd = this.dirs.acquire(i);
      try {
        applyFd(fd, plan.dirs[i]!.node);
      } finally {
        this.dirs.release(i);
      }
    }
  }
}
