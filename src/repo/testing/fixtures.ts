import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, ByteRange, ObjectInfo } from '../../storage/backend.js';
import { MemBackend } from '../../storage/mem/mem-backend.js';
import { initRepository } from '../repository/index.js';
import type { Repository } from '../repository/index.js';

/** Cheap scrypt and a fixed chunker seed: fast, repeatable test repositories. */
export const TEST_SCRYPT = { N: 1024, r: 8, p: 1 } as const;
export const TEST_SEED = Buffer.alloc(32, 7);

export async function testRepo(backend: Backend = new MemBackend()): Promise<Repository> {
  return initRepository(backend, { passphrase: 'test', scryptParams: TEST_SCRYPT, chunkerSeed: TEST_SEED });
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'cbs-repo-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(async () => {
      // Restored trees may hold 0o000 dirs, and paths longer than PATH_MAX that Node's rm
      // cannot name: coreutils walk relative to descriptors.
      const { execFile } = await import('node:child_process');
      await new Promise((r) => execFile('chmod', ['-R', 'u+rwx', dir], r));
      await new Promise<void>((resolve, reject) => execFile('rm', ['-rf', '--', dir], (e) => (e ? reject(e) : resolve())));
    });
  }
}

/** A backend that counts calls per key prefix (`data/`, `index/`, …) and can be told to fail. */
export class CountingBackend implements Backend {
  readonly puts = new Map<string, number>();
  readonly putBytes = new Map<string, number>();
  readonly gets = new Map<string, number>();
  constructor(readonly inner: Backend) {}
  get location(): string { return `counting(${this.inner.location})`; }
  private static kind(key: string): string { return key.slice(0, key.indexOf('/') + 1) || key; }
  reset(): void { this.puts.clear(); this.putBytes.clear(); this.gets.clear(); }
  count(prefix: string): number { return this.puts.get(prefix) ?? 0; }
  async put(key: string, data: Uint8Array): Promise<void> {
    const k = CountingBackend.kind(key);
    this.puts.set(k, (this.puts.get(k) ?? 0) + 1);
    this.putBytes.set(k, (this.putBytes.get(k) ?? 0) + data.length);
    return this.inner.put(key, data);
  }
  async get(key: string, range?: ByteRange): Promise<Buffer> {
    const k = CountingBackend.kind(key);
    this.gets.set(k, (this.gets.get(k) ?? 0) + 1);
    return this.inner.get(key, range);
  }
  stat(key: string): Promise<ObjectInfo> { return this.inner.stat(key); }
  list(prefix: string): AsyncIterable<ObjectInfo> { return this.inner.list(prefix); }
  delete(key: string): Promise<void> { return this.inner.delete(key); }
  close(): Promise<void> { return this.inner.close(); }
}
