/**
 * forget + prune in a process of its own, for the prune crash test to kill at a chosen
 * storage operation. Every completed put or delete is printed (`op N put|delete KEY`)
 * and every step as it starts (`step NAME OPS_SO_FAR`); after the KILL_AT-th operation
 * completes the process sends itself SIGKILL (0: never), so the kill lands after the
 * same storage operation on every run. Storage writes and deletes run one at a time
 * (concurrency 1), which makes the numbering repeatable.
 *
 *   node prune-crash-child.js REPO_DIR KILL_AT PACK_SIZE SNAPSHOT_ID,…
 *
 * The passphrase comes from CBS_REPO_PASSWORD.
 */
import { writeSync } from 'node:fs';
import { forget, openRepository, prune } from '../../src/repo/index.js';
import type { Backend, ByteRange, ObjectInfo } from '../../src/storage/backend.js';
// The local backend alone: the S3 SDK would add a second to each of the many starts.
import { LocalBackend } from '../../src/storage/local/local-backend.js';

const [dir, killAtArg, packSizeArg, forgetArg] = process.argv.slice(2);
const killAt = Number(killAtArg);
const say = (line: string): void => { writeSync(1, line + '\n'); };

/** Counts completed puts and deletes; dies right after the chosen one. */
class KillAfter implements Backend {
  private ops = 0;
  constructor(private readonly inner: Backend) {}
  get location(): string { return this.inner.location; }
  get count(): number { return this.ops; }
  private done(what: string): void {
    this.ops++;
    say(`op ${this.ops} ${what}`);
    if (this.ops === killAt) process.kill(process.pid, 'SIGKILL');
  }
  async put(key: string, data: Uint8Array): Promise<void> { await this.inner.put(key, data); this.done(`put ${key}`); }
  async delete(key: string): Promise<void> { await this.inner.delete(key); this.done(`delete ${key}`); }
  get(key: string, range?: ByteRange): Promise<Buffer> { return this.inner.get(key, range); }
  stat(key: string): Promise<ObjectInfo> { return this.inner.stat(key); }
  list(prefix: string): AsyncIterable<ObjectInfo> { return this.inner.list(prefix); }
  close(): Promise<void> { return this.inner.close(); }
}

const backend = new KillAfter(new LocalBackend(dir!, { fsync: false }));
const repo = await openRepository(backend, { passphrase: process.env['CBS_REPO_PASSWORD'] ?? '', skipIndex: true });
say(`step forget ${backend.count}`);
await forget(repo, forgetArg!.split(','), { ignoreMissing: true });
const r = await prune(repo, {
  maxUnused: 0, concurrency: 1, workers: 1, packSize: Number(packSizeArg),
  hooks: { onStep: (s) => say(`step ${s} ${backend.count}`) },
});
say(`done ${JSON.stringify(r)}`);
