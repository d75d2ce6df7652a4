import { FileReadError, type WorkerPool } from '../pool/index.js';
import { Semaphore } from './semaphore.js';

export type ChunkResult = { content: string[]; size: number } | FileReadError;

interface Pending { readonly path: Buffer; readonly resolve: (r: ChunkResult) => void; readonly reject: (e: unknown) => void }

/**
 * Groups small files into one worker job (fewer thread round trips), sends large files
 * alone, and bounds how many jobs are outstanding: `add` waits while the workers are
 * that far behind, which is what bounds the memory of a walk.
 */
export class FileBatcher {
  private batch: Pending[] = [];
  private queuedBytes = 0;
  private readonly slots: Semaphore;

  /**
   * @param maxJobs worker jobs outstanding before add() waits
   * @param maxFiles files per small-file job. @default 64
   * @param maxBytes bytes per small-file job; larger files go alone. @default 4 MiB
   */
  constructor(private readonly pool: () => WorkerPool, maxJobs: number, private readonly maxFiles = 64, private readonly maxBytes = 4 * 1024 * 1024) {
    this.slots = new Semaphore(maxJobs);
  }

  /**
   * Queues a file. Resolves (after waiting for capacity, if needed) to `{ result }`, a
   * promise of the file's outcome (wrapped: an async function cannot return a promise), which settles once a worker has chunked it. Call flush() before
   * waiting on results, or the last batch never leaves.
   */
  async add(path: Buffer, size: number): Promise<{ readonly result: Promise<ChunkResult> }> {
    let entry!: Pending;
    const result = new Promise<ChunkResult>((resolve, reject) => { entry = { path, resolve, reject }; });
    if (size >= this.maxBytes) {
      await this.dispatch([entry]);
    } else {
      this.batch.push(entry);
      this.queuedBytes += size;
      if (this.batch.length >= this.maxFiles || this.queuedBytes >= this.maxBytes) await this.flush();
    }
    return { result };
  }

  /** Sends the current small-file batch (waiting for a job slot). */
  async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const b = this.batch;
    this.batch = [];
    this.queuedBytes = 0;
    await this.dispatch(b);
  }

  private async dispatch(entries: Pending[]): Promise<void> {
    await this.slots.acquire();
    this.pool().chunkFiles(entries.map((e) => e.path)).then(
      (rs) => rs.forEach((r, i) => entries[i]!.resolve(r)),
      (e: unknown) => entries.forEach((x) => x.reject(e)),
    ).finally(() => this.slots.release());
  }
}
