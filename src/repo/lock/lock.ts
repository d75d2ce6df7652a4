import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
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

  constructor(private readonly repo: Repository, private id: string, private readonly doc: LockDoc) {}

  get lockId(): string { return this.id; }

  /** Writes a fresh lock object, then removes the previous one (never a moment without a lock). */
  async refresh(): Promise<void> {
    const doc = { ...this.doc, time: new Date().toISOString() };
    const old = this.id;
    this.id = await writeLock(this.repo, doc);
    await this.repo.deleteObject('lock', old);
  }

  startAutoRefresh(intervalMs = STALE_AFTER_MS / 6): void {
    this.timer = setInterval(() => {
      this.refreshing = this.refreshing.then(() => this.refresh()).catch(() => {
        // A failed refresh is retried at the next tick; the lock only turns stale after STALE_AFTER_MS.
      });
    }, intervalMs);
    this.timer.unref();
  }

  async release(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.refreshing;
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

/**
 * Takes a lock. Shared locks (backup, restore, check) coexist; an exclusive lock (prune)
 * excludes all. Stale locks are ignored (and removed when `removeStale`). After
 * writing our lock we look again, so two racing exclusive lockers both back off.
 */
export async function acquireLock(repo: Repository, opts: { exclusive: boolean; purpose: string; removeStale?: boolean }): Promise<RepoLock> {
  const conflicting = async (selfId?: string): Promise<{ id: string; doc: LockDoc } | undefined> => {
    for (const l of await listLocks(repo)) {
      if (l.id === selfId) continue;
      if (isStale(l.doc)) {
        if (opts.removeStale) await repo.deleteObject('lock', l.id);
        continue;
      }
      if (opts.exclusive || l.doc.exclusive) return l;
    }
    return undefined;
  };
  const refuse = (l: { id: string; doc: LockDoc }): RepoError => new RepoError('REPO_LOCKED',
    `repository is locked ${l.doc.exclusive ? 'exclusively' : ''} by ${l.doc.purpose} (pid ${l.doc.pid} on ${l.doc.hostname}, since ${l.doc.time})`, { object: `locks/${l.id}` });
  const before = await conflicting();
  if (before) throw refuse(before);
  const doc: LockDoc = { time: new Date().toISOString(), exclusive: opts.exclusive, hostname: hostname(), pid: process.pid, purpose: opts.purpose };
  const id = await writeLock(repo, doc);
  const after = await conflicting(id);
  if (after) {
    await repo.deleteObject('lock', id);
    throw refuse(after);
  }
  const lock = new RepoLock(repo, id, doc);
  lock.startAutoRefresh();
  return lock;
}

/** Runs `fn` under a lock, releasing it however `fn` ends. */
export async function withLock<T>(repo: Repository, opts: { exclusive: boolean; purpose: string }, fn: () => Promise<T>): Promise<T> {
  const lock = await acquireLock(repo, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
