import { assertValidKey, StorageError, type Backend, type ByteRange, type ObjectInfo } from '../backend.js';
import { assertValidPrefix } from '../prefix.js';
import { sliceRange } from '../range.js';

/**
 * Objects in a Map, for tests and for engines run without a bucket. Buffers are copied
 * in and out so a caller mutating its array after `put` (or the result of `get`)
 * cannot change what is stored, as with a real store.
 */
export class MemBackend implements Backend {
  readonly location: string;
  private readonly objects = new Map<string, Buffer>();
  private closed = false;

  constructor(opts: { name?: string } = {}) {
    this.location = `mem:${opts.name ?? 'default'}`;
  }

  async put(key: string, data: Uint8Array): Promise<void> {
    this.check(key);
    this.objects.set(key, Buffer.from(data));
  }

  async get(key: string, range?: ByteRange): Promise<Buffer> {
    this.check(key);
    const obj = this.objects.get(key);
    if (obj === undefined) throw notFound(key);
    return Buffer.from(sliceRange(obj, range, key));
  }

  async stat(key: string): Promise<ObjectInfo> {
    this.check(key);
    const obj = this.objects.get(key);
    if (obj === undefined) throw notFound(key);
    return { key, size: obj.length };
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    this.checkOpen();
    assertValidPrefix(prefix);
    // Snapshot first: a consumer that puts or deletes while iterating must not
    // see an entry twice.
    const entries = [...this.objects].filter(([k]) => k.startsWith(prefix));
    for (const [key, obj] of entries) yield { key, size: obj.length };
  }

  async delete(key: string): Promise<void> {
    this.check(key);
    this.objects.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private check(key: string): void {
    this.checkOpen();
    assertValidKey(key);
  }

  private checkOpen(): void {
    if (this.closed) throw new StorageError('permanent', `${this.location} is closed`);
  }
}

function notFound(key: string): StorageError {
  return new StorageError('not-found', `object not found: ${key}`, { key });
}
