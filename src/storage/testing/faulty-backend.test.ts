import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemBackend } from '../mem/mem-backend.js';
import { collect, rejectsWithKind } from './conformance.js';
import { FaultyBackend } from './faulty-backend.js';

function setup(): { mem: MemBackend; f: FaultyBackend } {
  const mem = new MemBackend();
  return { mem, f: new FaultyBackend(mem) };
}

test('faulty: a transient fault fires on the nth matching call for `times` calls, and calls are counted', async () => {
  const { f } = setup();
  f.plan({ method: 'put', key: /^data\//, nth: 2, times: 2, fault: 'transient' });
  await f.put('data/1', Buffer.from('a'));
  await rejectsWithKind(f.put('data/2', Buffer.from('b')), 'transient');
  await f.put('config', Buffer.from('c'));
  await rejectsWithKind(f.put('data/3', Buffer.from('d')), 'transient');
  await f.put('data/4', Buffer.from('e'));
  assert.equal(f.calls.put, 5);
  assert.deepEqual((await collect(f.list(''))).map((o) => o.key).sort(), ['config', 'data/1', 'data/4']);
  assert.equal(f.calls.list, 1);
  f.assertAllFired();
});

test('faulty: a permanent fault on stat and delete does not reach the inner backend', async () => {
  const { mem, f } = setup();
  await mem.put('k', Buffer.from('x'));
  f.plan({ method: 'delete', key: 'k', fault: 'permanent' }).plan({ method: 'stat', fault: 'permanent' });
  await rejectsWithKind(f.delete('k'), 'permanent');
  await rejectsWithKind(f.stat('k'), 'permanent');
  assert.deepEqual(await mem.stat('k'), { key: 'k', size: 1 });
  f.assertAllFired();
});

test('faulty: torn-read returns a truncated or bit-flipped copy and leaves the object intact', async () => {
  const { mem, f } = setup();
  const data = Buffer.from('0123456789abcdef');
  await mem.put('obj', data);
  f.plan({ method: 'get', fault: 'torn-read' });
  f.plan({ method: 'get', nth: 2, fault: 'torn-read', torn: 'bit-flip' });
  assert.deepEqual(await f.get('obj'), data.subarray(0, 8));
  const flipped = await f.get('obj');
  assert.equal(flipped.length, data.length);
  assert.equal([...flipped].filter((b, i) => b !== data[i]).length, 1);
  assert.deepEqual(await f.get('obj'), data);
  f.assertAllFired();
});

test('faulty: slow delays the call by delayMs and then performs it', async () => {
  const { f } = setup();
  f.plan({ method: 'put', fault: 'slow', delayMs: 40 });
  const t0 = performance.now();
  await f.put('s', Buffer.from('x'));
  assert.ok(performance.now() - t0 >= 39);
  assert.deepEqual(await f.get('s'), Buffer.from('x'));
  f.assertAllFired();
});

test('faulty: drop-mid-body on put leaves a partial object behind and throws transient', async () => {
  const { mem, f } = setup();
  f.plan({ method: 'put', fault: 'drop-mid-body' });
  await rejectsWithKind(f.put('p', Buffer.from('0123456789')), 'transient');
  assert.deepEqual(await mem.get('p'), Buffer.from('01234'));
  f.assertAllFired();
});

test('faulty: drop-mid-body on list yields the first half, then throws transient', async () => {
  const { mem, f } = setup();
  for (let i = 0; i < 10; i++) await mem.put(`l/${i}`, Buffer.from([i]));
  f.plan({ method: 'list', key: 'l/', fault: 'drop-mid-body' });
  const seen: string[] = [];
  await rejectsWithKind((async () => { for await (const o of f.list('l/')) seen.push(o.key); })(), 'transient');
  assert.equal(seen.length, 5);
  f.assertAllFired();
});

test('faulty: assertAllFired names every plan that did not fire as planned', async () => {
  const { f } = setup();
  f.plan({ method: 'get', key: 'never', fault: 'transient' });
  f.plan({ method: 'put', fault: 'transient', times: 3 });
  f.plan({ method: 'stat', fault: 'transient', times: Infinity });
  await rejectsWithKind(f.put('x', Buffer.from('x')), 'transient');
  await rejectsWithKind(f.stat('x'), 'transient');
  assert.throws(() => f.assertAllFired(), (e: Error) => {
    assert.match(e.message, /transient on get never nth=1 times=1 \(fired 0/);
    assert.match(e.message, /transient on put nth=1 times=3 \(fired 1/);
    assert.doesNotMatch(e.message, /on stat/);
    return true;
  });
});

test('faulty: faults that make no sense for a method are refused when planned', () => {
  const { f } = setup();
  assert.throws(() => f.plan({ method: 'put', fault: 'torn-read' }), TypeError);
  assert.throws(() => f.plan({ method: 'stat', fault: 'drop-mid-body' }), TypeError);
  assert.throws(() => f.plan({ method: 'get', fault: 'transient', nth: 0 }), TypeError);
});
