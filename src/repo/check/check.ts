import { forEachLimit } from '../../concurrency/index.js';
import { isNotFound } from '../../storage/backend.js';
import { sha256 } from '../crypto/index.js';
import { isRepoError, isUnavailable, MissingBlobError, readFailure } from '../errors.js';
import type { IndexEntry } from '../index/index.js';
import { withLock } from '../lock/index.js';
import { openVerifiedBlob, packKey, readPackHeaderFromBytes } from '../pack/index.js';
import { WorkerPool } from '../pool/index.js';
import { Repository } from '../repository/index.js';
import { loadSnapshot } from '../snapshot/index.js';
import { readDir } from '../tree/index.js';

export type CheckErrorKind =
  | 'index-unreadable'
  | 'pack-missing'
  | 'pack-too-small'
  | 'pack-corrupt'
  | 'blob-corrupt'
  | 'blob-missing'
  | 'snapshot-unreadable'
  | 'tree-unreadable';

export interface CheckError { readonly kind: CheckErrorKind; readonly object: string; readonly message: string }

export interface CheckProgress { readonly phase: 'index' | 'packs' | 'snapshots' | 'data'; readonly done: number; readonly total: number }

export interface CheckOptions {
  /** Read every pack and open every blob. @default false */
  readonly readData?: boolean;
  readonly onProgress?: (p: CheckProgress) => void;
  /** Worker threads opening blobs with readData. @default os.availableParallelism() */
  readonly workers?: number;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly errors: readonly CheckError[];
  readonly snapshots: number;
  readonly packs: number;
  readonly blobs: number;
}

const msg = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/**
 * Verifies the repository: every index object reads, every indexed pack exists and is
 * large enough, every snapshot's trees decode and reference only indexed blobs; with
 * readData, every pack is read whole, its name re-hashed, its header compared with the
 * index, and every blob opened and matched against its id. Uses a fresh index so the
 * caller's handle is not trusted blindly.
 */
export async function check(repo: Repository, opts: CheckOptions = {}): Promise<CheckResult> {
  // Shared: backups may run meanwhile (their new packs are simply not yet indexed),
  // but a prune, which deletes, must not.
  return withLock(repo, { exclusive: false, purpose: 'check' }, () => runCheck(repo, opts));
}

async function runCheck(repo: Repository, opts: CheckOptions): Promise<CheckResult> {
  const errors: CheckError[] = [];
  const fresh = new Repository(repo.backend, repo.config, repo.master);
  opts.onProgress?.({ phase: 'index', done: 0, total: 1 });
  await fresh.loadIndex((key, e) => errors.push({ kind: 'index-unreadable', object: key, message: msg(e) }));

  const sizes = new Map<string, number>();
  for await (const o of repo.backend.list('data/')) sizes.set(o.key.slice(o.key.lastIndexOf('/') + 1), o.size);
  const byPack = new Map<string, IndexEntry[]>();
  for (const e of fresh.index.entries()) {
    let l = byPack.get(e.pack);
    if (!l) byPack.set(e.pack, (l = []));
    l.push(e);
  }
  let done = 0;
  for (const [pack, entries] of byPack) {
    opts.onProgress?.({ phase: 'packs', done: done++, total: byPack.size });
    const size = sizes.get(pack);
    if (size === undefined) {
      errors.push({ kind: 'pack-missing', object: packKey(pack), message: `pack ${pack} holds ${entries.length} indexed blobs but does not exist` });
      continue;
    }
    const end = Math.max(...entries.map((e) => e.offset + e.length));
    if (end + 4 > size) errors.push({ kind: 'pack-too-small', object: packKey(pack), message: `pack is ${size} bytes, index needs at least ${end + 4}` });
  }

  const snapIds = await repo.listObjects('snapshot');
  const seenTrees = new Set<string>();
  const load = (t: string): Promise<Buffer> => fresh.loadBlob(Buffer.from(t, 'hex'));
  let snapshots = 0;
  for (const id of snapIds) {
    opts.onProgress?.({ phase: 'snapshots', done: snapshots, total: snapIds.length });
    let tree: string;
    try {
      tree = (await loadSnapshot(fresh, id)).tree;
      snapshots++;
    } catch (e) {
      // A store that does not answer says nothing about the repository: stop, unavailable.
      if (isUnavailable(e)) throw e;
      errors.push({ kind: 'snapshot-unreadable', object: `snapshots/${id}`, message: msg(e) });
      continue;
    }
    const stack: [string, string][] = [[tree, '/']];
    while (stack.length) {
      const [t, where] = stack.pop()!;
      if (seenTrees.has(t)) continue;
      seenTrees.add(t);
      try {
        // readDir loads a chunked directory's chunks too, checking each against its index.
        for await (const n of readDir(load, t, where)) {
          const p = where === '/' ? `/${n.name}` : `${where}/${n.name}`;
          if (n.type === 'dir' && n.subtree) stack.push([n.subtree, p]);
          for (const c of n.content ?? []) {
            if (!fresh.index.has(Buffer.from(c, 'hex'))) {
              errors.push({ kind: 'blob-missing', object: `blob ${c}`, message: `data blob of ${p} (snapshot ${id.slice(0, 8)}) is not in the index` });
            }
          }
        }
      } catch (e) {
        if (isUnavailable(e)) throw e;
        errors.push({ kind: e instanceof MissingBlobError ? 'blob-missing' : 'tree-unreadable', object: `tree ${t}`, message: `${where} (snapshot ${id.slice(0, 8)}): ${msg(e)}` });
      }
    }
  }

  if (opts.readData) await readAllData(repo, byPack, sizes, errors, opts.onProgress, opts.workers);
  return { ok: errors.length === 0, errors, snapshots, packs: byPack.size, blobs: fresh.index.size };
}


/**
 * Reads every indexed pack whole: re-hashes it, compares its header with the index,
 * and opens every blob. Blobs are opened on worker threads, a few packs at a time;
 * when a pack has a bad blob, its blobs are opened one by one to name each bad one.
 */
async function readAllData(repo: Repository, byPack: Map<string, IndexEntry[]>, sizes: Map<string, number>, errors: CheckError[],
  onProgress: ((p: CheckProgress) => void) | undefined, workers: number | undefined): Promise<void> {
  const pool = new WorkerPool(repo.master, undefined, workers);
  const packs = [...byPack].filter(([pack]) => sizes.has(pack));
  let done = 0;
  const one = async (pack: string, entries: IndexEntry[]): Promise<void> => {
    let bytes: Buffer;
    try {
      bytes = await repo.backend.get(packKey(pack));
    } catch (e) {
      // Only an absent pack is a finding; an outage stops the check (BUCKET_UNAVAILABLE).
      if (!isNotFound(e)) throw readFailure(e, `cannot read pack ${pack}`, packKey(pack));
      errors.push({ kind: 'pack-missing', object: packKey(pack), message: msg(e) });
      return;
    }
    if (sha256(bytes).toString('hex') !== pack) errors.push({ kind: 'pack-corrupt', object: packKey(pack), message: 'pack bytes do not hash to the pack name' });
    try {
      const header = readPackHeaderFromBytes(repo.master.encKey, bytes, pack);
      const inHeader = new Set(header.map((h) => `${h.id.toString('hex')}@${h.offset}+${h.length}`));
      for (const e of entries) {
        if (!inHeader.has(`${e.id.toString('hex')}@${e.offset}+${e.length}`)) {
          errors.push({ kind: 'pack-corrupt', object: packKey(pack), message: `index places blob ${e.id.toString('hex')} at ${e.offset}+${e.length}, the pack header does not` });
        }
      }
    } catch (e) {
      errors.push({ kind: 'pack-corrupt', object: packKey(pack), message: msg(e) });
    }
    const inRange = entries.filter((e) => e.offset + e.length <= bytes.length);
    try {
      await pool.verifyBlobs(pack, bytes, inRange.map((e) => ({ id: e.id, offset: e.offset, length: e.length, rawLength: e.rawLength })));
      return;
    } catch (e) {
      if (!isRepoError(e, 'REPO_INTEGRITY')) throw e;
    }
    // Some blob is bad: open them one by one here to name each bad one.
    for (const e of inRange) {
      try {
        openVerifiedBlob(repo.master.encKey, repo.master.macKey, e.id, bytes.subarray(e.offset, e.offset + e.length), e.rawLength, pack);
      } catch (err) {
        errors.push({ kind: 'blob-corrupt', object: `blob ${e.id.toString('hex')} in ${packKey(pack)}`, message: msg(err) });
      }
    }
  };
  try {
    await forEachLimit(packs, pool.size + 1, async ([pack, entries]) => {
      await one(pack, entries);
      onProgress?.({ phase: 'data', done: ++done, total: packs.length });
    });
  } finally {
    await pool.close();
  }
}
