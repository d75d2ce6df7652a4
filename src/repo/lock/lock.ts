import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound } from '../../storage/backend.js';
import { RepoError } from '../errors.js';
import { encodePayload } from '../pack/index.js';
import type { Repository } from '../repository/index.js';

export interface LockDoc {
  readonly time: string;
  readonly exclusive: boolean;
  readonly hostname: string;
  readonly pid: number;
  readonly purpose: string;
}

/** A lock not refreshed for this long is stale. Holders refresh every STALE_AFTER_MS / 6. */
export const STALE_AFTER_MS = 30 * 60 * 1000;
/**
 * A holder whose lock went this close to STALE_AFTER_MS without a refresh (a suspended
 * process, a stalled event loop, failing writes) no longer trusts it: another process
 * may have judged it stale and pruned. `ensureFresh` then refuses to commit.
 */
export const LOCK_SAFETY_MS = 5 * 60 * 1000;
/** How long backups and restores wait for a prune's exclusive lock by default. */
export const DEFAULT_LOCK_WAIT_MS = 30 * 60 * 1000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stale: not refreshed within STALE_AFTER_MS, or held by a dead process on this host. */
export function isStale(doc: LockDoc, now = Date.now()): boolean {
  if (now - Date.parse(doc.time) > STALE_AFTER_MS) return true;
  return doc.hostname === hostname() && !pidAlive(doc.pid);
}

export class RepoLock {
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  /** Time recorded in the newest lock object written: what other processes judge staleness by. */
  private refreshedAt: number;
  private lost: string | undefined;
  private verifiedAt = 0;

  constructor(private readonly repo: Repository, private id: string, private readonly doc: LockDoc) {
    this.refreshedAt = Date.parse(doc.time);
  }

  get lockId(): string { return this.id; }
  get exclusive(): boolean { return this.doc.exclusive; }

  /** Writes a fresh lock object, then removes the previous one (never a moment without a lock). */
  async refresh(): Promise<void> {
    const now = Date.now();
    if (now - this.refreshedAt > STALE_AFTER_MS - LOCK_SAFETY_MS) this.lost ??= `not refreshed for ${Math.round((now - this.refreshedAt) / 1000)} s`;
    const doc = { ...this.doc, time: new Date(now).toISOString() };
    const old = this.id;
    this.id = await writeLock(this.repo, doc);
    this.refreshedAt = now;
    await this.repo.deleteObject('lock', old);
  }

  startAutoRefresh(intervalMs = STALE_AFTER_MS / 6): void {
    this.timer = setInterval(() => {
      this.refreshing = this.refreshing.then(() => this.refresh()).catch(() => {
        // A failed refresh is retried at the next tick; ensureFresh refuses to commit once it is too late.
      });
    }, intervalMs);
    this.timer.unref();
  }

  /**
   * Proves the lock has been held without a gap, right before a step that relies on it
   * (a backup writing its snapshot, a prune deleting): throws REPO_LOCKED when it went
   * unrefreshed long enough that another process may have judged it stale, or when its
   * object is gone (removed by hand). Refreshes first when a refresh is due.
   */
  async ensureFresh(): Promise<void> {
    const lostError = (why: string): RepoError => new RepoError('REPO_LOCKED',
      `the ${this.doc.purpose} lock may have been lost (${why}); another process may have changed the repository, so this ${this.doc.purpose} stops here`,
      { object: `locks/${this.id}` });
    if (Date.now() - this.refreshedAt > STALE_AFTER_MS / 6) {
      this.refreshing = this.refreshing.then(() => this.refresh());
      await this.refreshing.catch(() => undefined);
    }
    const age = Date.now() - this.refreshedAt;
    if (this.lost !== undefined) throw lostError(this.lost);
    if (age > STALE_AFTER_MS - LOCK_SAFETY_MS) throw lostError(`not refreshed for ${Math.round(age / 1000)} s`);
    if (Date.now() - this.verifiedAt > 60_000) {
      try {
        await this.repo.backend.stat(`locks/${this.id}`);
      } catch (e) {
        if (isNotFound(e)) throw lostError('its lock object was removed');
        throw e;
      }
      this.verifiedAt = Date.now();
    }
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing.catch(() => undefined);
    await this.repo.deleteObject('lock', this.id);
  }
}

async function writeLock(repo: Repository, doc: LockDoc): Promise<string> {
  const id = randomBytes(32).toString('hex');
  await repo.backend.put(`locks/${id}`, encodePayload(repo.master.encKey, 'lock', Buffer.from(JSON.stringify(doc))));
  return id;
}

export async function listLocks(repo: Repository): Promise<{ id: string; doc: LockDoc }[]> {
  const out: { id: string; doc: LockDoc }[] = [];
  for (const id of await repo.listObjects('lock')) {
    try {
      out.push({ id, doc: JSON.parse((await repo.loadObject('lock', id)).toString('utf8')) as LockDoc });
    } catch (e) {
      if (isNotFound(e)) continue; // released while we listed
      throw e;
    }
  }
  return out;
}

/** Who a waiting locker is waiting for. */
export interface LockWaitInfo {
  readonly holderId: string;
  readonly holder: LockDoc;
  readonly waitedMs: number;
}

export interface LockWaitOptions {
  /** Give up with REPO_LOCKED after waiting this long; 0 fails at the first conflict. @default 0 */
  readonly timeoutMs?: number;
  /** First pause between attempts; pauses double up to maxPollMs, with jitter. @default 500 */
  readonly pollMs?: number;
  /** @default 10000 */
  readonly maxPollMs?: number;
  /** Stops the wait with REPO_ABORTED. */
  readonly signal?: AbortSignal;
  /** Called before each pause: who holds the conflicting lock, and how long we have waited. */
  readonly onWait?: (w: LockWaitInfo) => void;
}

export interface AcquireOptions {
  readonly exclusive: boolean;
  readonly purpose: string;
  readonly removeStale?: boolean;
  readonly wait?: LockWaitOptions;
}

type Held = { id: string; doc: LockDoc };

/**
 * Takes a lock. Shared locks (backup, restore, check, forget) coexist; an exclusive
 * lock (prune) excludes all. Stale locks are ignored (and removed when `removeStale`).
 *
 * Every locker writes its lock object, then lists again (so of two racing lockers at
 * least one sees the other):
 *  - a shared locker that sees a live exclusive lock removes its own and waits;
 *  - an exclusive locker that sees another exclusive lock removes its own and waits
 *    (with jitter, so two never keep colliding);
 *  - an exclusive locker that sees only shared locks keeps its object and waits for
 *    them to go. Its object is an announcement: shared lockers arriving meanwhile
 *    yield to it, so a prune cannot be starved by a stream of backups, and a backup
 *    waits at most for one prune.
 * Once held, the handle's in-memory index is brought up to date (a prune may have
 * replaced index objects since it was loaded).
 */
export async function acquireLock(repo: Repository, opts: AcquireOptions): Promise<RepoLock> {
  const w = opts.wait ?? {};
  const started = Date.now();
  const deadline = started + (w.timeoutMs ?? 0);
  let pause = w.pollMs ?? 500;
  const live = async (selfId?: string): Promise<Held[]> => {
    const out: Held[] = [];
    for (const l of await listLocks(repo)) {
      if (l.id === selfId) continue;
      if (isStale(l.doc)) {
        if (opts.removeStale) await repo.deleteObject('lock', l.id);
        continue;
      }
      out.push(l);
    }
    return out;
  };
  const refuse = (l: Held): RepoError => new RepoError('REPO_LOCKED',
    `repository is locked ${l.doc.exclusive ? 'exclusively' : ''} by ${l.doc.purpose} (pid ${l.doc.pid} on ${l.doc.hostname}, since ${l.doc.time})`, { object: `locks/${l.id}` });
  /** Pauses before the next attempt, or throws when the wait is over. */
  const waitFor = async (l: Held, jitter: boolean): Promise<void> => {
    if (w.signal?.aborted) throw new RepoError('REPO_ABORTED', `waiting for the lock held by ${l.doc.purpose} was aborted`, { cause: w.signal.reason });
    const now = Date.now();
    if (now >= deadline) throw refuse(l);
    w.onWait?.({ holderId: l.id, holder: l.doc, waitedMs: now - started });
    const ms = Math.min(pause * (jitter ? 0.5 + Math.random() : 1), deadline - now);
    pause = Math.min(pause * 2, w.maxPollMs ?? 10_000);
    try {
      await sleep(ms, undefined, w.signal ? { signal: w.signal } : undefined);
    } catch (e) {
      throw new RepoError('REPO_ABORTED', `waiting for the lock held by ${l.doc.purpose} was aborted`, { cause: e });
    }
  };
  // An exclusive lock conflicts with everything; for an exclusive locker, another exclusive one matters first.
  const conflictOf = (locks: Held[]): Held | undefined => locks.find((l) => l.doc.exclusive) ?? (opts.exclusive ? locks[0] : undefined);

  for (;;) {
    const before = await live();
    // Shared locks do not stop an exclusive locker from announcing itself.
    const blocking = before.find((l) => l.doc.exclusive);
    if (blocking) {
      await waitFor(blocking, opts.exclusive);
      continue;
    }
    const doc: LockDoc = { time: new Date().toISOString(), exclusive: opts.exclusive, hostname: hostname(), pid: process.pid, purpose: opts.purpose };
    const lock = new RepoLock(repo, await writeLock(repo, doc), doc);
    lock.startAutoRefresh();
    let backOff: Held | undefined;
    try {
      for (;;) {
        const after = await live(lock.lockId);
        const other = conflictOf(after);
        if (!other) break;
        if (!opts.exclusive || other.doc.exclusive) {
          backOff = other;
          break;
        }
        // Only shared locks: keep the announcement up and wait for them to finish.
        await waitFor(other, false);
      }
    } catch (e) {
      await lock.release().catch(() => undefined);
      throw e;
    }
    if (backOff) {
      await lock.release();
      await waitFor(backOff, true);
      continue;
    }
    try {
      await repo.refreshIndex();
    } catch (e) {
      await lock.release().catch(() => undefined);
      throw e;
    }
    return lock;
  }
}

/** Runs `fn` under a lock, releasing it however `fn` ends. */
export async function withLock<T>(repo: Repository, opts: AcquireOptions, fn: (lock: RepoLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(repo, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}
