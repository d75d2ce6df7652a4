import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRepoError } from '../errors.js';
import type { IndexEntry } from '../index/index.js';
import { BlobSet, planPrune, type PackState } from './index.js';

const blob = (n: number): Buffer => { const b = Buffer.alloc(32); b.writeUInt32LE(n * 2654435761 >>> 0, 0); b.writeUInt32LE(n, 4); return b; };
const packId = (c: string): string => c.repeat(64);

/** A pack of blobs (numbers), each `len` bytes, laid out in order; size = blobs + 100 bytes of header. */
function pack(c: string, blobs: number[], len = 1000): PackState {
  const entries: IndexEntry[] = blobs.map((n, i) => ({ id: blob(n), type: 'data', pack: packId(c), offset: i * len, length: len, rawLength: len }));
  return { id: packId(c), size: blobs.length * len + 100, entries };
}
const usedSet = (...ns: number[]): BlobSet => { const s = new BlobSet(); for (const n of ns) s.add(blob(n)); return s; };
const ids = (ps: readonly { id: string }[]): string[] => ps.map((p) => p.id[0]!).sort();

test('packs without a live blob are deleted, fully live packs kept, partly live packs repacked down to maxUnused', () => {
  const packs = [pack('a', [1, 2, 3, 4]), pack('b', [5, 6]), pack('c', [7, 8, 9, 10]), pack('d', [11, 12, 13, 14])];
  const used = usedSet(1, 2, 3, 4, 7, 11, 12, 13);
  // c is 3/4 dead, d 1/4 dead: with 0 tolerated both go; with 1 neither.
  const all = planPrune({ packs, unindexed: [], used, maxUnused: 0 });
  assert.deepEqual(ids(all.keep), ['a']);
  assert.deepEqual(ids(all.remove), ['b']);
  assert.deepEqual(all.repack.map((r) => [r.pack.id[0], r.keep.length]), [['c', 1], ['d', 3]], 'most wasteful first');
  assert.equal(all.usedBytes, 8000);
  assert.equal(all.unusedBytesAfter, 0);
  const none = planPrune({ packs, unindexed: [], used, maxUnused: 1 });
  assert.deepEqual(none.repack, []);
  assert.deepEqual(ids(none.keep), ['a', 'c', 'd']);
  // 1000 dead bytes left in d are 1000/9000 = 11 % of 9000 bytes: 15 % tolerates it, 10 % does not.
  assert.deepEqual(planPrune({ packs, unindexed: [], used, maxUnused: 0.15 }).repack.map((r) => r.pack.id[0]), ['c']);
  assert.deepEqual(planPrune({ packs, unindexed: [], used, maxUnused: 0.1 }).repack.map((r) => r.pack.id[0]), ['c', 'd']);
});

test('each live blob keeps one copy, in the pack with the highest live share, so an interrupted prune converges', () => {
  // r: the old pack (2 live, 2 dead); n: the repack of its live blobs that an interrupted prune indexed.
  const r = pack('r', [1, 2, 3, 4]);
  const n = pack('e', [1, 2]);
  const plan = planPrune({ packs: [r, n], unindexed: [], used: usedSet(1, 2), maxUnused: 0 });
  assert.deepEqual(ids(plan.keep), ['e']);
  assert.deepEqual(ids(plan.remove), ['r']);
  assert.deepEqual(plan.repack, []);
  // Equal shares: the smaller pack id holds the copy, whatever the order given.
  const x = pack('x', [5]);
  const y = pack('y', [5]);
  for (const order of [[x, y], [y, x]]) {
    const p = planPrune({ packs: order, unindexed: [], used: usedSet(5), maxUnused: 0 });
    assert.deepEqual(ids(p.keep), ['x']);
    assert.deepEqual(ids(p.remove), ['y']);
  }
});

test('a live blob whose only copy is in a missing pack stops the prune; a missing pack with spare copies is dropped', () => {
  const gone: PackState = { ...pack('m', [1, 2]), size: undefined };
  assert.throws(() => planPrune({ packs: [gone, pack('a', [2])], unindexed: [], used: usedSet(1, 2), maxUnused: 0.05 }),
    (e: unknown) => isRepoError(e, 'REPO_INTEGRITY') && /1 blob\(s\)/.test(e.message));
  const ok = planPrune({ packs: [gone, pack('a', [1, 2])], unindexed: [], used: usedSet(1, 2), maxUnused: 0.05 });
  assert.deepEqual(ids(ok.missing), ['m']);
  assert.deepEqual(ids(ok.keep), ['a']);
});

test('unindexed packs are deleted and counted as unused', () => {
  const plan = planPrune({ packs: [pack('a', [1])], unindexed: [{ id: packId('f'), size: 5000 }], used: usedSet(1), maxUnused: 0.05 });
  assert.deepEqual(ids(plan.unindexed), ['f']);
  assert.equal(plan.packBytes, 1100 + 5000);
  assert.equal(plan.unusedBytes, 100 + 5000);
  assert.equal(plan.packBytesAfter, 1100);
});

test('the blob set finds what it holds among a hundred thousand ids and numbers them densely', () => {
  const s = new BlobSet();
  for (let i = 0; i < 100000; i++) assert.deepEqual(s.add(blob(i)), { index: i, added: true });
  assert.equal(s.size, 100000);
  assert.deepEqual(s.add(blob(77)), { index: 77, added: false });
  assert.equal(s.indexOf(blob(99999)), 99999);
  assert.equal(s.indexOf(blob(100001)), -1);
  assert.ok(s.at(5).equals(blob(5)));
});
