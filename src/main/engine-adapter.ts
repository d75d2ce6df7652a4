import type { AgentEngine, EngineProgress, RepositoryRef, SnapshotEntry } from '../agent/index.js';
import {
  backup, exportKey, initRepository, isRepoError, listDirPage, openRepository, restore, type DirEntry, type Repository,
} from '../repo/index.js';
import { openBackend, type Backend, type OpenOptions } from '../storage/index.js';

export interface EngineAdapterOptions {
  /** Worker threads per backup / restore. @default the engine's default */
  workers?: number;
}

/** Skipped paths a task result names (the count says how many there were). */
const SKIPPED_SHOWN = 10;

/** The agent's engine operations over src/repo and the storage backends. */
export class RepoEngine implements AgentEngine {
  constructor(private readonly o: EngineAdapterOptions = {}) {}

  async init(ref: RepositoryRef): Promise<{ repositoryId: string }> {
    return this.#withBackend(ref, true, async (b) => {
      try {
        return { repositoryId: (await initRepository(b, { kek: ref.key })).id };
      } catch (e) {
        if (!isRepoError(e, 'REPO_EXISTS')) throw e;
        // A retried activation, or a bucket reused for the same WE: fine if our key opens it.
        return { repositoryId: (await openRepository(b, { kek: ref.key, skipIndex: true })).id };
      }
    });
  }

  async backup(ref: RepositoryRef, o: { sourceDir: string; tags: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }) {
    return this.#withRepo(ref, async (repo) => {
      const r = await backup(repo, {
        sourceDir: o.sourceDir, parent: 'latest', tags: o.tags, signal: o.signal, onProgress: o.onProgress,
        ...(this.o.workers ? { workers: this.o.workers } : {}),
      });
      return {
        snapshotId: r.snapshot.id, time: Date.parse(r.snapshot.time), size: r.summary.totalBytes, files: r.summary.totalFiles,
        skipped: { count: r.skipped.count, paths: r.skipped.paths.slice(0, SKIPPED_SHOWN) },
      };
    });
  }

  async restore(ref: RepositoryRef, o: { snapshotId: string; targetDir: string; include?: string[]; signal: AbortSignal; onProgress: (p: EngineProgress) => void }) {
    return this.#withRepo(ref, async (repo) => {
      const r = await restore(repo, {
        snapshotId: o.snapshotId, targetDir: o.targetDir, signal: o.signal, onProgress: o.onProgress,
        ...(o.include ? { include: o.include } : {}), ...(this.o.workers ? { workers: this.o.workers } : {}),
      });
      return { files: r.files, bytes: r.bytes, skipped: { count: r.skipped, paths: r.skippedItems.slice(0, SKIPPED_SHOWN).map((i) => i.path) } };
    });
  }

  async exportKey(ref: RepositoryRef): Promise<string> {
    return this.#withBackend(ref, false, async (b) => exportKey(await openRepository(b, { kek: ref.key, skipIndex: true })));
  }

  /** Every entry of one directory of a snapshot, in name order (escaped names). */
  /**
   * One page of a snapshot directory and its entry count: cost grows with the page,
   * not the directory (a directory of a million entries answers in milliseconds).
   */
  async listDirPage(ref: RepositoryRef, snapshotId: string, path: string, page: { offset: number; limit: number }): Promise<{ entries: SnapshotEntry[]; total: number }> {
    return this.#browsing(ref, async (repo) => {
      const r = await listDirPage(repo, snapshotId, path, page);
      return { entries: r.entries.map(entryOf), total: r.total };
    });
  }

  /**
   * Browsing opens the repository once per minute at most: loading the index is the
   * expensive part, and a browse asks for one page at a time. A snapshot newer than the
   * cached index fails its tree lookup; that case reopens once.
   */
  async #browsing<T>(ref: RepositoryRef, f: (repo: Repository) => Promise<T>): Promise<T> {
    const key = `${ref.location}\n${ref.key.toString('base64')}`;
    const cached = this.#browse.get(key);
    if (cached && cached.until > Date.now()) {
      try {
        return await f(cached.repo);
      } catch (e) {
        if (isRepoError(e, 'REPO_PATH_NOT_FOUND')) throw e;
        // fall through: reopen with a fresh index
      }
    }
    if (cached) this.#browse.delete(key); // its timer closes it
    const backend = await this.#open(ref, false);
    try {
      const repo = await openRepository(backend, { kek: ref.key });
      const out = await f(repo);
      const entry = { repo, backend, until: Date.now() + 60_000 };
      this.#browse.set(key, entry);
      // The handle (index in memory, backend connections) is released when it expires.
      setTimeout(() => {
        if (this.#browse.get(key) === entry) this.#browse.delete(key);
        void backend.close().catch(() => undefined);
      }, 60_000).unref();
      return out;
    } catch (e) {
      await backend.close();
      throw e;
    }
  }

  readonly #browse = new Map<string, { repo: Repository; backend: Backend; until: number }>();

  async #withRepo<T>(ref: RepositoryRef, f: (r: Repository) => Promise<T>): Promise<T> {
    return this.#withBackend(ref, false, async (b) => f(await openRepository(b, { kek: ref.key })));
  }

  async #withBackend<T>(ref: RepositoryRef, create: boolean, f: (b: Backend) => Promise<T>): Promise<T> {
    const b = await this.#open(ref, create);
    try {
      return await f(b);
    } finally {
      await b.close();
    }
  }

  async #open(ref: RepositoryRef, create: boolean): Promise<Backend> {
    const c = ref.credentials ?? {};
    const opts: OpenOptions = {
      ...(typeof ref.options['region'] === 'string' ? { region: ref.options['region'] } : {}),
      ...(typeof c['accessKeyId'] === 'string' ? { accessKeyId: c['accessKeyId'] } : {}),
      ...(typeof c['secretAccessKey'] === 'string' ? { secretAccessKey: c['secretAccessKey'] } : {}),
      ...(create ? { createBucket: true } : {}),
    };
    return openBackend(ref.location, opts);
  }
}

const TYPE = { file: 'FILE', dir: 'DIRECTORY', symlink: 'SYMLINK', other: 'OTHER' } as const;

function entryOf(e: DirEntry): SnapshotEntry {
  return { inode: e.inode, name: e.name, type: TYPE[e.type], size: e.size, mtime: e.mtime };
}
