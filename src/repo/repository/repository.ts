import type { Backend } from '../../storage/backend.js';
import { gearTable } from '../chunker/index.js';
import { blobId, sha256, type MasterKey } from '../crypto/index.js';
import { forEachLimit } from '../../concurrency/index.js';
import { IntegrityError, isUnavailable, MissingBlobError, readFailure, RepoError, storeFailure } from '../errors.js';
import { decodeIndex, encodeIndex, MasterIndex, type IndexEntry } from '../index/index.js';
import { decodeSealedPayload, encodePayload, openVerifiedBlob, packKey, PackWriter, readPackHeader, type BlobType, type FinishedPack } from '../pack/index.js';

interface ObjectInfoLike { readonly id: string; readonly size: number }
import type { RepoConfig } from './config.js';

/** Metadata object kinds with their key prefixes. */
export type ObjectKind = 'index' | 'snapshot' | 'lock';
const PREFIX: Record<ObjectKind, string> = { index: 'index/', snapshot: 'snapshots/', lock: 'locks/' };

export interface RepositoryStats {
  /** Blobs appended to packs by this handle. */
  blobsAdded: number;
  /** Plaintext bytes of those blobs. */
  rawBytesAdded: number;
  /** Stored (sealed) bytes of those blobs. */
  storedBytesAdded: number;
  packsWritten: number;
  indexesWritten: number;
}

/** Plaintext of tree blobs kept in memory (LRU), in bytes: browsing page by page reads them again and again. */
const TREE_CACHE_BYTES = 32 * 1024 * 1024;

/** Index entries written per index object before a new one is started. */
const INDEX_FLUSH_ENTRIES = 50000;

/**
 * An open repository: keys, config, master index, and the write path (pack writers,
 * uploads, pending index). Not safe for use by two processes' writers at once except
 * through locks; within a process, one handle serves concurrent backup tasks.
 */
export class Repository {
  private masterIndex = new MasterIndex();
  /** Index objects whose entries are in `index`; undefined until the index is first loaded. */
  private loadedIndex: Set<string> | undefined;
  readonly gear: Int32Array;
  readonly stats: RepositoryStats = { blobsAdded: 0, rawBytesAdded: 0, storedBytesAdded: 0, packsWritten: 0, indexesWritten: 0 };
  /** Blob ids (hex) accepted for writing but not yet in an uploaded, indexed pack. */
  private readonly inFlight = new Set<string>();
  private readonly writers: Record<BlobType, PackWriter | null> = { data: null, tree: null };
  private readonly uploads = new Set<Promise<void>>();
  private uploadError: unknown;
  private pending: IndexEntry[] = [];
  private readonly capacityWaiters: (() => void)[] = [];
  private readonly settleWaiters = new Map<string, (() => void)[]>();
  private readonly treeCache = new Map<string, Buffer>();
  private treeCacheBytes = 0;

  /**
   * @param maxUploads packs uploaded concurrently before writers wait. @default 2
   */
  constructor(
    readonly backend: Backend,
    readonly config: RepoConfig,
    readonly master: MasterKey,
    readonly maxUploads = 2,
  ) {
    this.gear = gearTable(master.chunkerSeed);
  }

  get id(): string { return this.config.id; }

  /** The master index: every blob this handle knows, with its location. */
  get index(): MasterIndex { return this.masterIndex; }

  // ---- metadata objects -------------------------------------------------------

  /** Seals and stores a metadata object at `<prefix>/<sha256 of stored bytes>`; returns the id. */
  async saveObject(kind: ObjectKind, plaintext: Uint8Array): Promise<string> {
    const sealed = encodePayload(this.master.encKey, kind, plaintext);
    const id = sha256(sealed).toString('hex');
    await this.backend.put(PREFIX[kind] + id, sealed);
    return id;
  }

  /** Loads and opens a metadata object; integrity errors name the object key. */
  async loadObject(kind: ObjectKind, id: string): Promise<Buffer> {
    const key = PREFIX[kind] + id;
    let sealed: Buffer;
    try {
      sealed = await this.backend.get(key);
    } catch (e) {
      // Absent stays a storage not-found: callers decide what a missing object means.
      throw storeFailure(e, `cannot read ${key}`);
    }
    if (kind !== 'lock' && sha256(sealed).toString('hex') !== id) throw new IntegrityError(key, 'stored bytes do not hash to the object name');
    return decodeSealedPayload(this.master.encKey, kind, sealed, key);
  }

  async listObjects(kind: ObjectKind): Promise<string[]> {
    const out: string[] = [];
    for await (const o of this.backend.list(PREFIX[kind])) out.push(o.key.slice(PREFIX[kind].length));
    return out;
  }

  async deleteObject(kind: ObjectKind, id: string): Promise<void> {
    await this.backend.delete(PREFIX[kind] + id);
  }

  // ---- index -----------------------------------------------------------------

  /**
   * Loads every index object into the master index. An index object that cannot be
   * read is reported to `onError` when given (check), otherwise it fails the load.
   */
  async loadIndex(onError?: (key: string, err: unknown) => void, only?: readonly string[]): Promise<number> {
    const ids = only ?? await this.listObjects('index');
    const loaded = (this.loadedIndex ??= new Set());
    await forEachLimit(ids, 8, async (id) => {
      let plain: Buffer;
      try {
        plain = await this.loadObject('index', id);
      } catch (e) {
        // An outage is not a damaged index: it fails the load, reported or not.
        if (!onError || isUnavailable(e)) throw e;
        onError(`index/${id}`, e);
        return;
      }
      try {
        for (const e of decodeIndex(plain, `index/${id}`)) this.index.add(e);
        loaded.add(id);
      } catch (e) {
        if (!onError) throw e;
        onError(`index/${id}`, e);
      }
    });
    return ids.length;
  }

  /**
   * Brings the in-memory index up to date with the index objects in storage; does
   * nothing on a handle that never used its index. New objects (other writers' backups)
   * are added. The index is rebuilt from scratch when an object it holds is gone (a
   * prune replaced the index, and packs it named may be deleted) or when it holds
   * entries no index object has yet and no write of this handle is running (left by a
   * failed flush: their packs looked unindexed to any prune since, and may be deleted;
   * the next backup adopts those that remain). Call it holding a lock — acquireLock does.
   */
  async refreshIndex(): Promise<{ added: number; rebuilt: boolean }> {
    if (this.loadedIndex === undefined && this.index.size === 0) return { added: 0, rebuilt: false };
    const ids = await this.listObjects('index');
    const present = new Set(ids);
    const busy = this.uploads.size > 0 || this.inFlight.size > 0 || this.writers.data !== null || this.writers.tree !== null;
    const vanished = [...(this.loadedIndex ?? [])].some((id) => !present.has(id));
    const rebuilt = vanished || (this.pending.length > 0 && !busy);
    if (rebuilt) {
      if (busy) throw new RepoError('REPO_LOCKED', 'the repository was pruned while this handle was writing to it (a lock was lost); the write is abandoned');
      this.masterIndex = new MasterIndex();
      this.loadedIndex = new Set();
      this.pending = [];
    }
    const loaded = (this.loadedIndex ??= new Set());
    const fresh = ids.filter((id) => !loaded.has(id));
    if (fresh.length > 0) await this.loadIndex(undefined, fresh);
    return { added: fresh.length, rebuilt };
  }

  /**
   * Adds packs that exist but no index names (left by an interrupted backup) to the
   * index, from their own headers, so their blobs are reused instead of uploaded again.
   * The next flush writes an index object for them. A pack whose header cannot be read
   * is reported to `onError` and left alone.
   */
  async adoptUnindexedPacks(onError: (key: string, err: unknown) => void): Promise<{ packs: number; blobs: number }> {
    const known = new Set(this.index.packs());
    const orphans: ObjectInfoLike[] = [];
    for await (const o of this.backend.list('data/')) {
      const id = o.key.slice(o.key.lastIndexOf('/') + 1);
      if (!known.has(id) && /^[0-9a-f]{64}$/.test(id)) orphans.push({ id, size: o.size });
    }
    let packs = 0;
    let blobs = 0;
    for (const o of orphans) {
      try {
        const header = await readPackHeader(this.backend, this.master.encKey, o.id, o.size);
        for (const b of header) {
          const e: IndexEntry = { id: b.id, type: b.type, pack: o.id, offset: b.offset, length: b.length, rawLength: b.rawLength };
          if (this.index.add(e)) {
            this.pending.push(e);
            blobs++;
          }
        }
        packs++;
      } catch (e) {
        onError(packKey(o.id), e);
      }
    }
    return { packs, blobs };
  }

  // ---- blobs -----------------------------------------------------------------

  /** True if the blob is indexed or already being written. */
  hasBlob(id: Buffer): boolean {
    return this.index.has(id) || this.inFlight.has(id.toString('hex'));
  }

  /** Claims a blob for writing: true if the caller must write it, false if it is known. */
  reserveBlob(id: Buffer): boolean {
    if (this.index.has(id)) return false;
    const hex = id.toString('hex');
    if (this.inFlight.has(hex)) return false;
    this.inFlight.add(hex);
    return true;
  }

  /**
   * Gives up a reservation whose blob will not be written after all (its writer
   * failed or was aborted), so a later save writes it instead of assuming it is coming.
   */
  unreserveBlob(id: Buffer): void {
    this.settle(id.toString('hex'));
  }

  /**
   * Resolves once a blob is no longer in flight: stored and indexed, or given up by the
   * writer that reserved it (then `index.has(id)` stays false).
   */
  whenSettled(id: Buffer): Promise<void> {
    const hex = id.toString('hex');
    if (!this.inFlight.has(hex)) return Promise.resolve();
    return new Promise((resolve) => {
      const l = this.settleWaiters.get(hex);
      if (l) l.push(resolve);
      else this.settleWaiters.set(hex, [resolve]);
    });
  }

  private settle(hex: string): void {
    this.inFlight.delete(hex);
    const l = this.settleWaiters.get(hex);
    if (l) {
      this.settleWaiters.delete(hex);
      for (const w of l) w();
    }
  }

  /** Resolves when fewer than maxUploads packs are uploading (bounds memory). */
  waitForCapacity(): Promise<void> {
    this.throwIfUploadFailed();
    if (this.uploads.size <= this.maxUploads) return Promise.resolve();
    return new Promise((resolve) => this.capacityWaiters.push(resolve));
  }

  /** Appends an already sealed blob (reserved with reserveBlob) to the pack of its type. */
  async addSealedBlob(type: BlobType, id: Buffer, sealed: Buffer, rawLength: number): Promise<void> {
    this.throwIfUploadFailed();
    let w = this.writers[type];
    if (!w) w = this.writers[type] = new PackWriter(this.master.encKey);
    w.add(type, id, sealed, rawLength);
    this.stats.blobsAdded++;
    this.stats.rawBytesAdded += rawLength;
    this.stats.storedBytesAdded += sealed.length;
    if (w.size >= this.config.packSize) {
      // Upload first, then wait: a pack must be tracked by `uploads` the moment it
      // leaves its writer, or a concurrent flush could miss it.
      this.writers[type] = null;
      this.startUpload(w.finish());
      await this.waitForCapacity();
    }
  }

  /** Stores a blob unless it is already present. Compression and sealing run on this thread. */
  async saveBlob(type: BlobType, plaintext: Uint8Array): Promise<{ id: Buffer; added: boolean }> {
    const id = blobId(this.master.macKey, plaintext);
    if (!this.reserveBlob(id)) return { id, added: false };
    await this.addSealedBlob(type, id, encodePayload(this.master.encKey, 'blob', plaintext), plaintext.length);
    return { id, added: true };
  }

  /** Loads a blob and verifies it (authenticates, decompresses, hashes to its id). */
  async loadBlob(id: Buffer): Promise<Buffer> {
    const e = this.index.get(id);
    if (!e) throw new MissingBlobError(id.toString('hex'));
    if (e.type !== 'tree') return this.fetchBlob(e);
    // Trees are read again and again when browsing page by page: keep recent ones.
    const hex = id.toString('hex');
    const hit = this.treeCache.get(hex);
    if (hit) {
      this.treeCache.delete(hex);
      this.treeCache.set(hex, hit);
      return hit;
    }
    const plain = await this.fetchBlob(e);
    if (plain.length <= TREE_CACHE_BYTES / 4 && !this.treeCache.has(hex)) {
      this.treeCache.set(hex, plain);
      this.treeCacheBytes += plain.length;
      for (const [k, v] of this.treeCache) {
        if (this.treeCacheBytes <= TREE_CACHE_BYTES) break;
        this.treeCache.delete(k);
        this.treeCacheBytes -= v.length;
      }
    }
    return plain;
  }

  private async fetchBlob(e: IndexEntry): Promise<Buffer> {
    const id = e.id;
    let sealed: Buffer;
    try {
      sealed = await this.backend.get(packKey(e.pack), { offset: e.offset, length: e.length });
    } catch (err) {
      throw readFailure(err, `cannot read blob ${id.toString('hex')} from pack ${e.pack}`, packKey(e.pack));
    }
    return openVerifiedBlob(this.master.encKey, this.master.macKey, id, sealed, e.rawLength, e.pack);
  }

  /** Writes everything buffered: open packs, then the index for every uploaded pack. */
  async flush(): Promise<void> {
    for (const t of ['data', 'tree'] as const) {
      const w = this.writers[t];
      if (w && w.count > 0) {
        this.writers[t] = null;
        this.startUpload(w.finish());
      }
    }
    while (this.uploads.size > 0) await Promise.race(this.uploads);
    this.throwIfUploadFailed();
    await this.writePendingIndex();
  }

  private startUpload(p: FinishedPack): void {
    const job = (async () => {
      await this.backend.put(packKey(p.id), p.bytes);
      this.stats.packsWritten++;
      for (const b of p.blobs) {
        const e: IndexEntry = { id: b.id, type: b.type, pack: p.id, offset: b.offset, length: b.length, rawLength: b.rawLength };
        this.index.add(e);
        this.settle(b.id.toString('hex'));
        this.pending.push(e);
      }
      if (this.pending.length >= INDEX_FLUSH_ENTRIES) await this.writePendingIndex();
    })().catch((e: unknown) => {
      this.uploadError ??= e;
    }).finally(() => {
      this.uploads.delete(job);
      while (this.capacityWaiters.length > 0 && this.uploads.size <= this.maxUploads) this.capacityWaiters.shift()!();
    });
    this.uploads.add(job);
  }

  private async writePendingIndex(): Promise<void> {
    if (this.pending.length === 0) return;
    const entries = this.pending;
    this.pending = [];
    try {
      (this.loadedIndex ??= new Set()).add(await this.saveObject('index', encodeIndex(entries)));
      this.stats.indexesWritten++;
    } catch (e) {
      this.pending = entries.concat(this.pending);
      throw e;
    }
  }

  private throwIfUploadFailed(): void {
    if (this.uploadError !== undefined) throw storeFailure(this.uploadError, 'writing a pack failed');
  }
}
