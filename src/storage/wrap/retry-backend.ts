import { setTimeout as delay } from 'node:timers/promises';
import { StorageError, type Backend, type BackendMethod, type ByteRange, type ObjectInfo } from '../backend.js';

export interface RetryInfo {
  readonly method: BackendMethod;
  /** The key, or the prefix for `list`. */
  readonly key: string;
  /** The attempt that just failed, from 1. */
  readonly attempt: number;
  /** How long the wrapper waits before the next attempt. */
  readonly delayMs: number;
  readonly error: StorageError;
  /** Set when removing a possibly partial object after a failed put itself failed; the next put overwrites it anyway. */
  readonly cleanupError?: unknown;
}

export interface RetryOptions {
  /** Total attempts per call, the first included. @default 5 */
  maxAttempts?: number;
  /** Delay before the second attempt; doubles each time, with jitter. @default 100 */
  baseDelayMs?: number;
  /** Cap on a single delay. @default 5000 */
  maxDelayMs?: number;
  /** Aborting stops waiting and rejects with the signal's reason. */
  signal?: AbortSignal;
  onRetry?: (info: RetryInfo) => void;
  /**
   * Delete the key (best effort) after a put fails with a transient error, before
   * trying again or giving up, so a store that breaks the atomic-write promise keeps
   * no partial object. A previous whole object under the key is removed too, which
   * write-once repository objects make harmless. @default true
   */
  deleteAfterFailedPut?: boolean;
  /** Source of jitter in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Repeats calls that failed with a `transient` StorageError, waiting
 * min(maxDelayMs, baseDelayMs·2^(n-1)) scaled by a random factor in [0.5, 1) between
 * attempts. Everything else (not-found, invalid-*, permanent, non-storage errors) is
 * final at once. When all attempts fail, the last error is rethrown wrapped in a
 * `transient` StorageError naming the attempt count.
 */
export class RetryBackend implements Backend {
  readonly location: string;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly deleteAfterFailedPut: boolean;
  private readonly random: () => number;

  constructor(readonly inner: Backend, private readonly opts: RetryOptions = {}) {
    this.location = inner.location;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 5);
    this.baseDelayMs = opts.baseDelayMs ?? 100;
    this.maxDelayMs = opts.maxDelayMs ?? 5000;
    this.deleteAfterFailedPut = opts.deleteAfterFailedPut ?? true;
    this.random = opts.random ?? Math.random;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    // The whole buffer is handed over again on every attempt: nothing of a failed
    // attempt's stream position can leak into the next.
    await this.retry('put', key, () => this.inner.put(key, data), async () => {
      if (this.deleteAfterFailedPut) await this.inner.delete(key);
    });
  }

  get(key: string, range?: ByteRange): Promise<Buffer> {
    return this.retry('get', key, () => this.inner.get(key, range));
  }

  stat(key: string): Promise<ObjectInfo> {
    return this.retry('stat', key, () => this.inner.stat(key));
  }

  delete(key: string): Promise<void> {
    return this.retry('delete', key, () => this.inner.delete(key));
  }

  /**
   * A listing that breaks off is started again from the beginning; keys already
   * yielded are skipped so each object still appears once.
   */
  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const seen = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      this.opts.signal?.throwIfAborted();
      try {
        for await (const info of this.inner.list(prefix)) {
          if (seen.has(info.key)) continue;
          seen.add(info.key);
          yield info;
        }
        return;
      } catch (e) {
        await this.backoff('list', prefix, attempt, e);
      }
    }
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private async retry<T>(method: BackendMethod, key: string, call: () => Promise<T>,
    afterTransientFailure?: () => Promise<void>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.opts.signal?.throwIfAborted();
      try {
        return await call();
      } catch (e) {
        let cleanupError: unknown;
        // Also after the last attempt: a given-up put must not leave a partial object.
        if (afterTransientFailure !== undefined && isTransient(e)) {
          try { await afterTransientFailure(); } catch (ce) { cleanupError = ce; }
        }
        await this.backoff(method, key, attempt, e, cleanupError);
      }
    }
  }

  /** Rethrows `e` when it is final; otherwise reports it and waits. */
  private async backoff(method: BackendMethod, key: string, attempt: number, e: unknown, cleanupError?: unknown): Promise<void> {
    if (!isTransient(e)) throw e;
    if (attempt >= this.maxAttempts) {
      const cleanup = cleanupError === undefined ? ''
        : `; removing the possibly partial object also failed: ${cleanupError instanceof Error ? cleanupError.message : String(cleanupError)}`;
      throw new StorageError('transient', `${method} ${key} failed after ${attempt} attempts: ${e.message}${cleanup}`,
        { key: e.key ?? key, cause: e });
    }
    const exp = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.round(exp * (0.5 + this.random() / 2));
    this.opts.onRetry?.({ method, key, attempt, delayMs, error: e, ...(cleanupError === undefined ? {} : { cleanupError }) });
    await delay(delayMs, undefined, this.opts.signal === undefined ? undefined : { signal: this.opts.signal })
      .catch((err: unknown) => { throw this.opts.signal?.reason ?? err; });
  }
}

function isTransient(e: unknown): e is StorageError {
  return e instanceof StorageError && e.kind === 'transient';
}
