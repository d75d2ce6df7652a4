import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { MemBackend } from '../../storage/index.js';
import { isRepoError } from '../errors.js';
import { encodePayload } from '../pack/index.js';
import { testRepo } from '../testing/fixtures.js';
import { acquireLock, isStale, listLocks, LOCK_SAFETY_MS, RepoLock, STALE_AFTER_MS, type LockDoc } from './index.js';

test('shared locks coexist; an exclusive lock excludes and is excluded', async () => {
  const repo = await testRepo(new MemBackend());
  const a = await acquireLock(repo, { exclusive: false, purpose: 'backup' });
  const b = await acquireLock(repo, { exclusive: false, purpose: 'restore' });
  await assert.rejects(acquireLock(repo, { exclusive: true, purpose: 'prune' }), (e: unknown) => isRepoError(e, 'REPO_LOCKED') && /backup|restore/.test(e.message));
  await a.release();
  await b.release();
  assert.deepEqual(await listLocks(repo), []);
  const x = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
  await assert.rejects(acquireLock(repo, { exclusive: false, purpose: 'backup' }), (e: unknown) => isRepoError(e, 'REPO_LOCKED'));
  await x.refresh();
  assert.equal((await listLocks(repo)).length, 1, 'refresh replaces the lock object');
  await x.release();
});

test('stale locks (old, or of a dead process on this host) are ignored and can be removed', async () => {
  const repo = await testRepo(new MemBackend());
  const old = { time: new Date(Date.now() - STALE_AFTER_MS - 1000).toISOString(), exclusive: true, hostname: 'elsewhere', pid: 1, purpose: 'prune' };
  const dead = { time: new Date().toISOString(), exclusive: true, hostname: hostname(), pid: 2 ** 22 + 12345, purpose: 'prune' };
  assert.ok(isStale(old));
  assert.ok(isStale(dead));
  assert.ok(!isStale({ ...dead, pid: process.pid }));
  for (const [i, d] of [old, dead].entries()) await repo.backend.put(`locks/${String(i).repeat(64)}`, encodePayload(repo.master.encKey, 'lock', Buffer.from(JSON.stringify(d))));
  const l = await acquireLock(repo, { exclusive: true, purpose: 'prune', removeStale: true });
  assert.equal((await listLocks(repo)).length, 1);
  await l.release();
});

const fast = { timeoutMs: 60_000, pollMs: 5, maxPollMs: 20 };

/** Resolves once `cond` holds, checking after each lock listing (no fixed sleeps). */
async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setImmediate(r));
}

test('a shared locker waits for an exclusive lock, reports whom it waits for, and gives up or aborts when told', async () => {
  const repo = await testRepo(new MemBackend());
  const x = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
  const waits: string[] = [];
  const b = acquireLock(repo, { exclusive: false, purpose: 'backup', wait: { ...fast, onWait: (w) => waits.push(w.holder.purpose) } });
  await until(async () => waits.length >= 2);
  await x.release();
  await (await b).release();
  assert.ok(waits.every((p) => p === 'prune'));

  const y = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
  await assert.rejects(acquireLock(repo, { exclusive: false, purpose: 'backup', wait: { timeoutMs: 30, pollMs: 5 } }), (e: unknown) => isRepoError(e, 'REPO_LOCKED'));
  const ac = new AbortController();
  const aborted = acquireLock(repo, { exclusive: false, purpose: 'backup', wait: { ...fast, signal: ac.signal, onWait: () => ac.abort() } });
  await assert.rejects(aborted, (e: unknown) => isRepoError(e, 'REPO_ABORTED'));
  assert.equal((await listLocks(repo)).length, 1, 'waiters leave no lock object behind');
  await y.release();
});

test('an exclusive locker announces itself: backups arriving later wait behind it, so a prune is not starved', async () => {
  const repo = await testRepo(new MemBackend());
  const log: string[] = [];
  const a = await acquireLock(repo, { exclusive: false, purpose: 'backup-a' });
  const x = acquireLock(repo, { exclusive: true, purpose: 'prune', wait: fast }).then((l) => { log.push('prune holds'); return l; });
  await until(async () => (await listLocks(repo)).some((l) => l.doc.exclusive));
  const b = acquireLock(repo, { exclusive: false, purpose: 'backup-b', wait: fast }).then((l) => { log.push('backup-b holds'); return l; });
  // b must not slip in while a runs: let both waiters poll a few rounds.
  let rounds = 0;
  await until(async () => ++rounds > 20);
  assert.equal(log.length, 0, `nothing may happen while backup-a runs: ${log.join(", ")}`);
  log.push('backup-a releases');
  await a.release();
  const xl = await x;
  assert.deepEqual(log, ['backup-a releases', 'prune holds']);
  log.push('prune releases');
  await xl.release();
  await (await b).release();
  assert.deepEqual(log, ['backup-a releases', 'prune holds', 'prune releases', 'backup-b holds']);
});

test('racing exclusive lockers take turns and never hold at once', async () => {
  const repo = await testRepo(new MemBackend());
  let holders = 0;
  let maxHolders = 0;
  const one = async (i: number): Promise<void> => {
    const l = await acquireLock(repo, { exclusive: true, purpose: `prune-${i}`, wait: fast });
    maxHolders = Math.max(maxHolders, ++holders);
    await new Promise((r) => setImmediate(r));
    holders--;
    await l.release();
  };
  await Promise.all([0, 1, 2, 3].map(one));
  assert.equal(maxHolders, 1);
  assert.deepEqual(await listLocks(repo), []);
});

test('ensureFresh refreshes a lock that is due, and refuses one that went unrefreshed too long or was removed', async () => {
  const repo = await testRepo(new MemBackend());
  const at = (agoMs: number): LockDoc => ({ time: new Date(Date.now() - agoMs).toISOString(), exclusive: false, hostname: hostname(), pid: process.pid, purpose: 'backup' });
  const put = async (id: string, doc: LockDoc): Promise<void> => repo.backend.put(`locks/${id}`, encodePayload(repo.master.encKey, 'lock', Buffer.from(JSON.stringify(doc))));
  const due = new RepoLock(repo, 'a'.repeat(64), at(STALE_AFTER_MS / 3));
  await put('a'.repeat(64), at(STALE_AFTER_MS / 3));
  await due.ensureFresh();
  assert.notEqual(due.lockId, 'a'.repeat(64), 'a due lock was refreshed (new object)');
  assert.equal((await listLocks(repo)).length, 1);
  await due.release();

  const late = new RepoLock(repo, 'b'.repeat(64), at(STALE_AFTER_MS - LOCK_SAFETY_MS + 1000));
  await put('b'.repeat(64), at(STALE_AFTER_MS - LOCK_SAFETY_MS + 1000));
  await assert.rejects(late.ensureFresh(), (e: unknown) => isRepoError(e, 'REPO_LOCKED') && /may have been lost/.test(e.message));
  await assert.rejects(late.ensureFresh(), (e: unknown) => isRepoError(e, 'REPO_LOCKED'), 'a lost lock stays lost after a refresh');
  await late.release();

  const held = await acquireLock(repo, { exclusive: true, purpose: 'prune' });
  await repo.deleteObject('lock', held.lockId);
  await assert.rejects(held.ensureFresh(), (e: unknown) => isRepoError(e, 'REPO_LOCKED') && /removed/.test(e.message));
  await held.release();
});
