import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { MemBackend } from '../../storage/index.js';
import { isRepoError } from '../errors.js';
import { encodePayload } from '../pack/index.js';
import { testRepo } from '../testing/fixtures.js';
import { acquireLock, isStale, listLocks, STALE_AFTER_MS } from './index.js';

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
