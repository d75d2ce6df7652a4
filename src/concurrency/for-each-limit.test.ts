import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachLimit } from './index.js';

test('forEachLimit runs every item with at most `limit` in flight', async () => {
  let inFlight = 0;
  let peak = 0;
  const seen: number[] = [];
  await forEachLimit(Array.from({ length: 50 }, (_, i) => i), 4, async (i) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setImmediate(r));
    seen.push(i);
    inFlight--;
  });
  assert.equal(peak, 4);
  assert.deepEqual([...seen].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i));
});

test('the first failure aborts the siblings, waits for them, and is the error reported', async () => {
  const started: number[] = [];
  const settled: number[] = [];
  let siblingSawAbort = false;
  const first = new Error('first');
  await assert.rejects(forEachLimit([0, 1, 2, 3, 4, 5, 6, 7], 3, async (i, signal) => {
    started.push(i);
    if (i === 1) throw first;
    // A sibling in flight: finishes only once the run is cancelled.
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    siblingSawAbort = signal.aborted;
    settled.push(i);
    if (i === 2) throw new Error('later failure, dropped');
  }), (e: unknown) => e === first);
  assert.ok(siblingSawAbort);
  assert.deepEqual(started.sort(), [0, 1, 2], 'no item is taken after the failure');
  assert.deepEqual(settled.sort(), [0, 2], 'siblings in flight settled before the run rejected');
});

test('an aborted outer signal stops the run with its reason; an empty list resolves', async () => {
  const ac = new AbortController();
  const reason = new Error('stop');
  let calls = 0;
  await assert.rejects(forEachLimit([1, 2, 3, 4], 1, async () => {
    calls++;
    ac.abort(reason);
  }, { signal: ac.signal }), (e: unknown) => e === reason);
  assert.equal(calls, 1);
  await forEachLimit([], 8, async () => { throw new Error('never'); });
  await assert.rejects(forEachLimit([1], 1, async () => undefined, { signal: ac.signal }), (e: unknown) => e === reason);
});
