import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { decodeIndex, encodeIndex, MasterIndex, type IndexEntry } from './index.js';

test('the master index finds every one of 200k entries and rejects duplicates', () => {
  const idx = new MasterIndex();
  const entries: IndexEntry[] = [];
  const packs = Array.from({ length: 50 }, () => randomBytes(32).toString('hex'));
  for (let i = 0; i < 200000; i++) {
    const e: IndexEntry = { id: randomBytes(32), type: i % 7 ? 'data' : 'tree', pack: packs[i % 50]!, offset: i * 3, length: i % 1000, rawLength: i };
    entries.push(e);
    assert.equal(idx.add(e), true);
  }
  assert.equal(idx.size, 200000);
  for (const e of entries) assert.deepEqual(idx.get(e.id), e);
  assert.equal(idx.add({ ...entries[5]!, pack: packs[0]!, offset: 1 }), false);
  assert.equal(idx.get(entries[5]!.id)!.offset, 15, 'first location kept');
  assert.equal(idx.get(randomBytes(32)), undefined);
  assert.equal(idx.packs().length, 50);
});

test('index objects round-trip and truncation is detected', () => {
  const entries: IndexEntry[] = Array.from({ length: 100 }, (_, i) => ({ id: randomBytes(32), type: 'data', pack: (i % 3 ? 'aa' : 'bb').repeat(32), offset: i, length: 2 * i, rawLength: 3 * i }));
  const enc = encodeIndex(entries);
  const dec = decodeIndex(enc, 'index/x');
  assert.deepEqual(new Set(dec.map((e) => e.id.toString('hex'))), new Set(entries.map((e) => e.id.toString('hex'))));
  assert.throws(() => decodeIndex(enc.subarray(0, enc.length - 1), 'index/x'), /index\/x.*truncated/);
  assert.throws(() => decodeIndex(Buffer.from('nope'), 'index/y'), /index\/y/);
});
