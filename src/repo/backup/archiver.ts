import type { BigIntStats } from 'node:fs';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { FileReadError } from '../pool/index.js';
import type { Repository } from '../repository/index.js';
import { escapeLatin1, escapeName, type SpecialKind, type TreeNode } from '../tree/index.js';
import type { BackupReport } from './backup-report.js';
import { DirSaver } from './dir-saver.js';
import { fileChanged } from './file-changed.js';
import type { FileBatcher } from './file-batcher.js';
import { PreviousDir } from './previous-dir.js';
import type { ProgressReporter } from './progress.js';

export interface ArchiverCounters {
  filesNew: number; filesChanged: number; filesUnmodified: number;
  dirsNew: number; dirsChanged: number; dirsUnmodified: number;
  totalBytes: number; bytesRead: number; treeBlobsAdded: number;
  totalFiles: number; totalDirs: number;
}

/** A node still being stored (a file's content, a directory's entries). */
export interface Pending<T> { readonly value: Promise<T> }

const SLASH = Buffer.from('/');

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function errnoOf(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

function baseNode(name: string, st: BigIntStats): Omit<TreeNode, 'type'> {
  return {
    name,
    mode: Number(st.mode & 0o7777n),
    uid: Number(st.uid),
    gid: Number(st.gid),
    mtime: st.mtimeNs.toString(),
    ctime: st.ctimeNs.toString(),
    size: 0,
    inode: st.ino.toString(),
    dev: st.dev.toString(),
    nlink: Number(st.nlink),
  };
}

function specialOf(st: BigIntStats): SpecialKind | undefined {
  if (st.isFIFO()) return 'fifo';
  if (st.isSocket()) return 'socket';
  if (st.isCharacterDevice()) return 'char';
  if (st.isBlockDevice()) return 'block';
  return undefined;
}

/**
 * Turns a directory tree into tree blobs, as restic's Archiver does: `saveDir` walks one
 * directory in name-byte order and streams its entries into a TreeWriter, `save`
 * records one entry by its type, and `fileChanged` (pure) decides whether a file is read
 * again. The walk does not wait for file contents, only for worker capacity; a failure
 * in the background stops it at its next step.
 *
 * Paths are bytes (Buffers, names read as latin1), so names that are not UTF-8 are
 * kept exactly; what is stored and reported is their escaped form.
 */
export class Archiver {
  readonly counters: ArchiverCounters = {
    filesNew: 0, filesChanged: 0, filesUnmodified: 0, dirsNew: 0, dirsChanged: 0, dirsUnmodified: 0,
    totalBytes: 0, bytesRead: 0, treeBlobsAdded: 0, totalFiles: 0, totalDirs: 0,
  };

  private failure: unknown;
  private readonly hardlinks = new Map<string, Promise<readonly string[] | undefined>>();

  constructor(
    private readonly repo: Repository,
    private readonly batcher: FileBatcher,
    private readonly report: BackupReport,
    private readonly progress: ProgressReporter,
    private readonly signal?: AbortSignal,
  ) {}

  /** Saves the tree under `source`; resolves to the root tree id once everything is stored. */
  async run(source: string, previousTree: string | undefined): Promise<string> {
    const root = await this.saveDir(Buffer.from(source), '', previousTree, undefined);
    await this.batcher.flush();
    return root.value;
  }

  /**
   * Walks one directory and resolves once it has been walked, to a pending tree id
   * that settles when every entry in it is stored. An unreadable directory is kept
   * (empty) and reported as skipped.
   */
  async saveDir(abs: Buffer, rel: string, previousTree: string | undefined, previous: TreeNode | undefined): Promise<Pending<string>> {
    this.step();
    let names: string[] = [];
    try {
      // Sync calls: metadata of local files is served from the inode cache in microseconds,
      // while each async call costs a thread-pool round trip. latin1 keeps every byte.
      names = readdirSync(abs, { encoding: 'latin1' });
    } catch (e) {
      this.report.skip(rel || '/', `directory contents not read: ${message(e)}`);
    }
    // latin1 strings compare in byte order.
    names.sort();
    const prev = previousTree !== undefined ? new PreviousDir(this.repo, previousTree, rel, this.report) : undefined;
    const dir = new DirSaver((b) => this.saveTreeBlob(b), rel, () => this.batcher.flush());
    for (const raw of names) {
      this.step();
      const name = escapeLatin1(raw);
      const childAbs = Buffer.concat([abs, SLASH, Buffer.from(raw, 'latin1')]);
      const saved = await this.save(childAbs, `${rel}/${name}`, name, await prev?.find(raw));
      if (saved !== undefined) await dir.push(this.track(saved.value));
    }
    const tree = this.track(dir.finish().then((hex) => {
      if (rel !== '') {
        this.counters.totalDirs++;
        if (!previous) this.counters.dirsNew++;
        else if (previousTree === hex) this.counters.dirsUnmodified++;
        else this.counters.dirsChanged++;
      }
      return hex;
    }));
    return { value: tree };
  }

  /**
   * Records one entry by its type. Resolves (after any wait for capacity) to its
   * pending node — undefined once settled when it turned out unreadable — or to
   * undefined at once when it cannot even be examined (reported as skipped).
   */
  async save(abs: Buffer, rel: string, name: string, previous: TreeNode | undefined): Promise<Pending<TreeNode | undefined> | undefined> {
    let st: BigIntStats;
    try {
      st = lstatSync(abs, { bigint: true });
    } catch (e) {
      this.lost(rel, e);
      return undefined;
    }
    const base = baseNode(name, st);
    if (st.isDirectory()) {
      const sub = await this.saveDir(abs, rel, previous?.type === 'dir' ? previous.subtree : undefined, previous);
      return { value: sub.value.then((id) => ({ ...base, type: 'dir' as const, subtree: id })) };
    }
    if (st.isFile()) return this.saveFile(abs, rel, base, st, previous);
    if (st.isSymbolicLink()) {
      try {
        return { value: Promise.resolve({ ...base, type: 'symlink', linkTarget: escapeName(readlinkSync(abs, { encoding: 'buffer' })) }) };
      } catch (e) {
        this.lost(rel, e);
        return undefined;
      }
    }
    const special = specialOf(st);
    const rdev = special === 'char' || special === 'block' ? { rdev: st.rdev.toString() } : {};
    return { value: Promise.resolve({ ...base, type: 'other', ...(special ? { special } : {}), ...rdev }) };
  }

  private async saveFile(abs: Buffer, rel: string, base: Omit<TreeNode, 'type'>, st: BigIntStats, previous: TreeNode | undefined): Promise<Pending<TreeNode | undefined>> {
    const size = Number(st.size);
    const c = this.counters;
    const hlKey = base.nlink > 1 ? `${base.dev}:${base.inode}` : undefined;
    const hl = hlKey ? { hardlink: hlKey } : {};
    const done = (n: TreeNode, read: number): TreeNode => {
      c.totalFiles++;
      c.totalBytes += n.size;
      c.bytesRead += read;
      this.progress.p.filesDone++;
      this.progress.p.bytesDone += n.size;
      this.progress.p.currentPath = rel;
      this.progress.tick();
      return n;
    };
    if (!fileChanged({ size, mtime: base.mtime, ctime: base.ctime, inode: base.inode }, previous) &&
      previous!.content!.every((h) => this.repo.index.has(Buffer.from(h, 'hex')))) {
      c.filesUnmodified++;
      return { value: Promise.resolve(done({ ...base, type: 'file', size, content: previous!.content, ...hl }, 0)) };
    }
    const first = hlKey !== undefined ? this.hardlinks.get(hlKey) : undefined;
    if (first) {
      // A later link of a file already queued: same content, read once.
      return {
        value: first.then((content) => {
          if (!content) return undefined;
          if (previous) c.filesChanged++; else c.filesNew++;
          return done({ ...base, type: 'file', size, content, ...hl }, 0);
        }),
      };
    }
    const job = (await this.batcher.add(abs, size)).result;
    if (hlKey) this.hardlinks.set(hlKey, job.then((r) => (r instanceof FileReadError ? undefined : r.content)));
    return {
      value: job.then((r) => {
        if (r instanceof FileReadError) {
          this.lost(rel, r);
          return undefined;
        }
        if (previous) c.filesChanged++; else c.filesNew++;
        return done({ ...base, type: 'file', size: r.size, content: r.content, ...hl }, r.size);
      }),
    };
  }

  /** An entry the backup could not record: skipped, unless it vanished since the directory was read. */
  private lost(rel: string, e: unknown): void {
    const code = e instanceof FileReadError ? e.errno : errnoOf(e);
    if (code === 'ENOENT') this.report.error(rel, `vanished during the backup: ${message(e)}`);
    else this.report.skip(rel, message(e));
  }

  private async saveTreeBlob(plaintext: Buffer): Promise<string> {
    const { id, added } = await this.repo.saveBlob('tree', plaintext);
    if (added) this.counters.treeBlobsAdded++;
    return id.toString('hex');
  }

  private track<T>(p: Promise<T>): Promise<T> {
    p.catch((e: unknown) => { this.failure ??= e; });
    return p;
  }

  private step(): void {
    this.signal?.throwIfAborted();
    if (this.failure !== undefined) throw this.failure;
  }
}
