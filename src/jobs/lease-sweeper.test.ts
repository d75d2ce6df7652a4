import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CbsError } from '../errors/index.js';
import { LeaseSweeper } from './lease-sweeper.js';

describe('LeaseSweeper', () => {
  test('a sweep reports expired tasks and errors, and concurrent sweeps share one call', async () => {
    const calls: Array<number | undefined> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const store = {
      async expireLeases(now?: number) {
        calls.push(now);
        await gate;
        return 3;
      },
    };
    const expired: number[] = [];
    const sweeper = new LeaseSweeper(store, { onError: (e) => assert.fail(String(e)), onExpired: (n) => expired.push(n) });
    const a = sweeper.sweep(10);
    const b = sweeper.sweep(11);
    release();
    await Promise.all([a, b]);
    assert.deepEqual(calls, [10], 'the second sweep joined the first');
    assert.deepEqual(expired, [3]);
  });

  test('a failing sweep goes to onError and the next sweep runs again', async () => {
    let n = 0;
    const errors: unknown[] = [];
    const sweeper = new LeaseSweeper({
      async expireLeases() {
        n++;
        if (n === 1) throw new CbsError('STORE_UNAVAILABLE', 'down');
        return 0;
      },
    }, { onError: (e) => errors.push(e) });
    await sweeper.sweep();
    await sweeper.sweep();
    assert.equal(n, 2);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as CbsError).code, 'STORE_UNAVAILABLE');
  });

  test('start sweeps on its interval until stopped or aborted', async () => {
    let sweeps = 0;
    let resolveTwo!: () => void;
    const two = new Promise<void>((r) => { resolveTwo = r; });
    const sweeper = new LeaseSweeper({
      async expireLeases() {
        if (++sweeps === 2) resolveTwo();
        return 0;
      },
    }, { intervalMs: 5, onError: (e) => assert.fail(String(e)) });
    const ac = new AbortController();
    // The sweeper's timer is unref'd (it must not keep a stopping server alive); hold the loop open meanwhile.
    const keepAlive = setInterval(() => undefined, 1_000);
    sweeper.start(ac.signal);
    await two;
    clearInterval(keepAlive);
    ac.abort();
    await sweeper.stop();
    const after = sweeps;
    // Absence of an event cannot be awaited: give a stopped 5 ms timer six chances to fire.
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(sweeps, after, 'no sweep after stop');
  });
});
