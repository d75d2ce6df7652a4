import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StorageError } from '../backend.js';
import { MemBackend } from '../mem/mem-backend.js';
import { backendConformanceSuite, collect, rejectsWithKind } from '../testing/conformance.js';
import { FaultyBackend } from '../testing/faulty-backend.js';
import { RetryBackend, type RetryInfo, type RetryOptions } from './retry-backend.js';

// The wrappers keep the contract even while faults are being retried away.
backendConformanceSuite('retry over faulty mem', async () => {
  const f = new FaultyBackend(new MemBackend());
  f.plan({ method: 'put', fault: 'transient', times: 2 })
    .plan({ method: 'put', nth: 4, fault: 'drop-mid-body' })
    .plan({ method: 'get', fault: 'drop-mid-body' })
    .plan({ method: 'get', nth: 3, fault: 'transient' })
    .plan({ method: 'list', fault: 'drop-mid-body' })
    .plan({ method: 'stat', fault: 'transient' })
    .plan({ method: 'delete', fault: 'transient' });
  return { backend: new RetryBackend(f, { baseDelayMs: 1, maxDelayMs: 2 }), cleanup: async () => {} };
});

function setup(opts: RetryOptions = {}): { mem: MemBackend; f: FaultyBackend; r: RetryBackend; retries: RetryInfo[] } {
  const mem = new MemBackend();
  const f = new FaultyBackend(mem);
  const retries: RetryInfo[] = [];
  const r = new RetryBackend(f, { baseDelayMs: 1, maxDelayMs: 4, onRetry: (i) => retries.push(i), ...opts });
  return { mem, f, r, retries };
}

test('retry: transient put failures are retried until the put succeeds', async () => {
  const { f, r, retries } = setup();
  f.plan({ method: 'put', fault: 'transient', times: 3 });
  await r.put('k', Buffer.from('data'));
  assert.deepEqual(await r.get('k'), Buffer.from('data'));
  assert.equal(f.calls.put, 4);
  assert.deepEqual(retries.map((i) => [i.method, i.key, i.attempt]), [['put', 'k', 1], ['put', 'k', 2], ['put', 'k', 3]]);
  f.assertAllFired();
});

test('retry: delays grow exponentially with jitter and are capped at maxDelayMs', async () => {
  const delays: number[][] = [];
  for (const random of [() => 0, () => 0.999999]) {
    const { f, r, retries } = setup({ baseDelayMs: 2, maxDelayMs: 10, maxAttempts: 6, random });
    f.plan({ method: 'stat', fault: 'transient', times: 5 });
    await r.put('k', Buffer.from('x'));
    await r.stat('k');
    delays.push(retries.map((i) => i.delayMs));
  }
  assert.deepEqual(delays[0], [1, 2, 4, 5, 5]);
  assert.deepEqual(delays[1], [2, 4, 8, 10, 10]);
});

test('retry: not-found, invalid-range, invalid-key and permanent errors are not retried', async () => {
  const { mem, f, r, retries } = setup();
  await rejectsWithKind(r.get('absent'), 'not-found');
  await mem.put('small', Buffer.from('ab'));
  await rejectsWithKind(r.get('small', { offset: 0, length: 3 }), 'invalid-range');
  await rejectsWithKind(r.put('../x', Buffer.from('x')), 'invalid-key');
  f.plan({ method: 'delete', fault: 'permanent', times: 5 });
  await rejectsWithKind(r.delete('small'), 'permanent');
  assert.deepEqual(f.calls, { put: 1, get: 2, stat: 0, list: 0, delete: 1 });
  assert.equal(retries.length, 0);
});

test('retry: after maxAttempts it gives up with a transient error naming the attempts, and no partial put remains', async () => {
  const { mem, f, r } = setup({ maxAttempts: 3 });
  f.plan({ method: 'put', fault: 'drop-mid-body', times: 3 });
  await assert.rejects(r.put('p', Buffer.from('0123456789')), (e: unknown) => {
    assert.ok(e instanceof StorageError);
    assert.equal(e.kind, 'transient');
    assert.match(e.message, /put p failed after 3 attempts/);
    assert.ok(e.cause instanceof StorageError);
    return true;
  });
  assert.equal(f.calls.put, 3);
  await rejectsWithKind(mem.get('p'), 'not-found');
  f.assertAllFired();
});

test('retry: a put dropped mid-body is removed and re-sent whole', async () => {
  const { mem, f, r } = setup();
  const data = Buffer.from('the whole object');
  f.plan({ method: 'put', fault: 'drop-mid-body', times: 2 });
  await r.put('obj', data);
  assert.deepEqual(await mem.get('obj'), data);
  assert.equal(f.calls.delete, 2, 'the partial object was deleted after each failed attempt');
  f.assertAllFired();
});

test('retry: a failing cleanup delete is reported, and the retried put still lands', async () => {
  const { mem, f, r, retries } = setup();
  f.plan({ method: 'put', fault: 'drop-mid-body' }).plan({ method: 'delete', fault: 'permanent' });
  await r.put('obj', Buffer.from('abcd'));
  assert.deepEqual(await mem.get('obj'), Buffer.from('abcd'));
  assert.ok(retries[0]?.cleanupError instanceof StorageError);
  f.assertAllFired();
});

test('retry: get, stat and delete survive transient faults and dropped bodies', async () => {
  const { f, r } = setup();
  await r.put('k', Buffer.from('value'));
  f.plan({ method: 'get', fault: 'drop-mid-body' }).plan({ method: 'get', nth: 2, fault: 'transient' });
  f.plan({ method: 'stat', fault: 'transient', times: 2 }).plan({ method: 'delete', fault: 'transient' });
  assert.deepEqual(await r.get('k'), Buffer.from('value'));
  assert.deepEqual(await r.stat('k'), { key: 'k', size: 5 });
  await r.delete('k');
  await rejectsWithKind(r.get('k'), 'not-found');
  f.assertAllFired();
});

test('retry: a listing that breaks off is restarted and yields each key exactly once', async () => {
  const { f, r } = setup();
  for (let i = 0; i < 20; i++) await r.put(`data/${String(i).padStart(2, '0')}`, Buffer.alloc(i));
  f.plan({ method: 'list', fault: 'drop-mid-body' }).plan({ method: 'list', nth: 2, fault: 'transient' });
  const got = await collect(r.list('data/'));
  assert.equal(got.length, 20);
  assert.equal(new Set(got.map((o) => o.key)).size, 20);
  for (const o of got) assert.equal(o.size, Number(o.key.slice(5)));
  assert.equal(f.calls.list, 3);
  f.assertAllFired();
});

test('retry: aborting the signal during a backoff rejects at once with the abort reason', async () => {
  const ac = new AbortController();
  const reason = new Error('shutting down');
  const { f, r } = setup({ baseDelayMs: 60_000, maxDelayMs: 60_000, signal: ac.signal, onRetry: () => ac.abort(reason) });
  f.plan({ method: 'put', fault: 'transient', times: Infinity });
  const t0 = performance.now();
  await assert.rejects(r.put('k', Buffer.from('x')), (e) => e === reason);
  assert.ok(performance.now() - t0 < 5000);
  assert.equal(f.calls.put, 1);
  await assert.rejects(r.get('k'), (e) => e === reason, 'an aborted signal refuses new calls');
});
