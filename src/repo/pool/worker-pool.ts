import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { MasterKey } from '../crypto/index.js';
import { IntegrityError, RepoError } from '../errors.js';
import { owned, transferable, type FromWorker, type OpenRequestBlob, type ToWorker, type WireError, type WorkerKeys } from './protocol.js';

/** What the pool asks of its owner while chunking files. */
export interface ChunkHandlers {
  /** Decide whether a chunk is new (and reserve it); may wait to bound memory. */
  onQuery(id: Buffer): Promise<boolean>;
  /**
   * Take a sealed blob. `confirmed`: onQuery said it is new. Unconfirmed (small)
   * blobs were not asked about; the owner drops those it already has.
   */
  onBlob(id: Buffer, sealed: Buffer, rawLength: number, confirmed: boolean): Promise<void>;
}

/** A file could not be read (permissions, vanished); carries the errno code. */
export class FileReadError extends Error {
  constructor(readonly path: string | Buffer, message: string, readonly errno: string | undefined) {
    super(message);
    this.name = 'FileReadError';
  }
}

interface Job {
  readonly msg: ToWorker;
  readonly views: Uint8Array[];
  readonly resolve: (v: FromWorker) => void;
  readonly reject: (e: unknown) => void;
  chain: Promise<void>;
}

interface Slot { readonly worker: Worker; job: Job | undefined; dead: boolean }

const toBuf = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function fromWire(e: WireError): Error {
  if (e.integrity) return new IntegrityError(e.object ?? 'object', e.message.replace(/^integrity check failed for [^:]*: /, ''));
  return new RepoError('REPO_INTEGRITY', e.message, { object: e.object });
}

/**
 * A fixed set of worker threads doing the CPU work: chunk + hash + compress + encrypt
 * for backup, decrypt + decompress + verify for restore. One job per worker at a time.
 */
export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private nextJob = 1;
  private closed = false;

  /** @param size number of workers. @default os.availableParallelism() */
  constructor(master: MasterKey, private readonly handlers?: ChunkHandlers, size = availableParallelism()) {
    const keys: WorkerKeys = { encKey: master.encKey, macKey: master.macKey, chunkerSeed: master.chunkerSeed };
    for (let i = 0; i < Math.max(1, size); i++) {
      // The parent's --input-type / --eval style flags make no sense for a worker file and
      // would stop it from loading.
      const execArgv = process.execArgv.filter((a) => !/^--(input-type|eval|print)\b/.test(a));
      const worker = new Worker(new URL('./worker-main.js', import.meta.url), { workerData: keys, execArgv });
      const slot: Slot = { worker, job: undefined, dead: false };
      worker.on('message', (m: FromWorker) => this.onMessage(slot, m));
      worker.on('error', (e) => this.onCrash(slot, e));
      worker.on('exit', (code) => { if (!this.closed) this.onCrash(slot, new Error(`worker exited with code ${code}`)); });
      this.slots.push(slot);
    }
  }

  get size(): number { return this.slots.length; }

  /**
   * Chunks files in one worker, in order; each result is the file's content blob ids
   * and the bytes read, or a FileReadError for a file that could not be read.
   */
  async chunkFiles(paths: readonly (string | Buffer)[]): Promise<({ content: string[]; size: number } | FileReadError)[]> {
    const bytes = paths.map((p) => (typeof p === 'string' ? Buffer.from(p) : p).toString('latin1'));
    const m = await this.submit({ t: 'files', job: this.nextJob++, paths: bytes }, []);
    if (m.t !== 'files-done') throw new Error(`unexpected reply ${m.t}`);
    return m.files.map((f, i) => ('error' in f ? new FileReadError(paths[i]!, f.error.message, f.error.code) : f));
  }

  async chunkFile(path: string): Promise<{ content: string[]; size: number }> {
    const [r] = await this.chunkFiles([path]);
    if (r instanceof FileReadError) throw r;
    return r!;
  }

  /** Opens and verifies blobs held in `data` (a whole pack or a range of one). */
  async openBlobs(packId: string, data: Buffer, blobs: readonly OpenRequestBlob[]): Promise<Buffer[]> {
    return this.open(packId, data, blobs, false);
  }

  /** Like openBlobs, but only proves the blobs are intact (check): nothing comes back. */
  async verifyBlobs(packId: string, data: Buffer, blobs: readonly OpenRequestBlob[]): Promise<void> {
    await this.open(packId, data, blobs, true);
  }

  private async open(packId: string, data: Buffer, blobs: readonly OpenRequestBlob[], verifyOnly: boolean): Promise<Buffer[]> {
    const buf = owned(data);
    const m = await this.submit({ t: 'open', job: this.nextJob++, packId, buf, blobs, verifyOnly }, [buf]);
    if (m.t !== 'opened') throw new Error(`unexpected reply ${m.t}`);
    return m.plains.map(toBuf);
  }

  /** Compresses and seals one blob on a worker, ahead of queued chunking jobs. */
  async sealBlob(data: Buffer): Promise<Buffer> {
    const m = await this.submit({ t: 'seal', job: this.nextJob++, data }, [data], true);
    if (m.t !== 'sealed') throw new Error(`unexpected reply ${m.t}`);
    return toBuf(m.sealed);
  }

  private hasIdleWorker(): boolean {
    return this.queue.length === 0 && this.slots.some((s) => !s.job && !s.dead);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.queue.splice(0)) j.reject(new RepoError('REPO_ABORTED', 'worker pool closed'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private submit(msg: ToWorker, views: Uint8Array[], urgent = false): Promise<FromWorker> {
    if (this.closed) return Promise.reject(new RepoError('REPO_ABORTED', 'worker pool closed'));
    return new Promise((resolve, reject) => {
      const job: Job = { msg, views, resolve, reject, chain: Promise.resolve() };
      if (urgent) this.queue.unshift(job);
      else this.queue.push(job);
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const s of this.slots) {
      if (s.job || s.dead || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      s.job = job;
      s.worker.postMessage(job.msg, transferable(job.views));
    }
  }

  private finish(slot: Slot, fn: (job: Job) => void): void {
    const job = slot.job;
    if (!job) return;
    slot.job = undefined;
    fn(job);
    this.dispatch();
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    const job = slot.job;
    if (!job) return;
    switch (m.t) {
      case 'query':
        this.handlers!.onQuery(toBuf(m.id)).then(
          (store) => slot.worker.postMessage({ t: 'answer', job: m.job, store, sendPlain: store && this.hasIdleWorker() } satisfies ToWorker),
          (e: unknown) => { job.chain = job.chain.then(() => { throw e; }); slot.worker.postMessage({ t: 'answer', job: m.job, store: false, sendPlain: false } satisfies ToWorker); },
        );
        break;
      case 'plain': {
        const id = toBuf(m.id);
        const data = toBuf(m.data);
        const rawLength = data.length;
        const stored = this.sealBlob(data).then((sealed) => this.handlers!.onBlob(id, sealed, rawLength, true));
        job.chain = Promise.all([job.chain, stored]).then(() => undefined);
        break;
      }
      case 'blob': {
        const id = toBuf(m.blob.id);
        const sealed = toBuf(m.blob.sealed);
        job.chain = job.chain.then(() => this.handlers!.onBlob(id, sealed, m.blob.rawLength, m.confirmed));
        break;
      }
      case 'files-done':
      case 'opened':
      case 'sealed':
        this.finish(slot, (j) => j.chain.then(() => j.resolve(m), j.reject));
        break;
      case 'error':
        this.finish(slot, (j) => j.chain.then(() => j.reject(fromWire(m.error)), j.reject));
        break;
      default: {
        const never: never = m;
        throw new Error(`unknown worker message ${JSON.stringify(never)}`);
      }
    }
  }

  private onCrash(slot: Slot, e: Error): void {
    if (slot.dead) return;
    slot.dead = true;
    const err = new RepoError('REPO_ABORTED', `worker thread failed: ${e.message}`, { cause: e });
    this.finish(slot, (j) => j.reject(err));
    // With no worker left, nothing queued can ever run.
    if (this.slots.every((s) => s.dead)) for (const j of this.queue.splice(0)) j.reject(err);
  }
}
