import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, testSeed } from '../../testing/seeded-random.js';
import { chunkLengths, chunkStream, gearTable, MAX_CHUNK, MIN_CHUNK, WasmCutter } from './index.js';

const gear = gearTable(Buffer.alloc(32, 3));

test('chunks respect min and max sizes and cover the input exactly', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  const rng = new SeededRandom(seed);
  const data = rng.bytes(40 * 1024 * 1024);
  const lens = chunkLengths(gear, data);
  assert.equal(lens.reduce((a, b) => a + b, 0), data.length);
  lens.slice(0, -1).forEach((l) => assert.ok(l >= MIN_CHUNK && l <= MAX_CHUNK, `chunk of ${l}`));
  const avg = data.length / lens.length;
  assert.ok(avg > 0.9 * 1024 * 1024 && avg < 1.8 * 1024 * 1024, `average ${avg}`);
  // Zeros never trigger a cut: max-size chunks.
  assert.deepEqual(chunkLengths(gear, Buffer.alloc(17 * 1024 * 1024)), [MAX_CHUNK, MAX_CHUNK, 1024 * 1024]);
});

test('streaming with small, odd reads gives the same chunks as the whole buffer', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  const rng = new SeededRandom(seed);
  const data = rng.bytes(20 * 1024 * 1024 + 333);
  let pos = 0;
  const read = (b: Buffer, o: number, l: number): number => {
    const n = Math.min(l, rng.int(1, 300000), data.length - pos);
    data.copy(b, o, pos, pos + n);
    pos += n;
    return n;
  };
  const streamed: number[] = [];
  const joined: Buffer[] = [];
  for (const c of chunkStream(gear, read)) {
    streamed.push(c.length);
    joined.push(Buffer.from(c));
  }
  assert.deepEqual(streamed, chunkLengths(gear, data));
  assert.ok(Buffer.concat(joined).equals(data));
});

test('boundaries resynchronise after an insertion', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  const rng = new SeededRandom(seed);
  const data = rng.bytes(24 * 1024 * 1024);
  const shifted = Buffer.concat([data.subarray(0, 5000), rng.bytes(77), data.subarray(5000)]);
  const ends = (lens: number[], delta: number): Set<number> => {
    const s = new Set<number>();
    let p = 0;
    for (const l of lens) s.add((p += l) - delta);
    return s;
  };
  const a = ends(chunkLengths(gear, data), 0);
  const b = ends(chunkLengths(gear, shifted), 77);
  const common = [...a].filter((x) => b.has(x)).length;
  assert.ok(common >= a.size - 3, `only ${common} of ${a.size} boundaries kept`);
});

test('a different seed gives different boundaries', () => {
  const data = new SeededRandom(1).bytes(8 * 1024 * 1024);
  assert.notDeepEqual(chunkLengths(gear, data), chunkLengths(gearTable(Buffer.alloc(32, 4)), data));
});

test('the WebAssembly cutter finds exactly the cut points of the JavaScript one', (t) => {
  const seed = testSeed();
  t.diagnostic(`seed ${seed}`);
  const rng = new SeededRandom(seed);
  const w = new WasmCutter(gear);
  for (const size of [0, 1, MIN_CHUNK, MIN_CHUNK + 1, 3 * 1024 * 1024, 16 * 1024 * 1024]) {
    const data = rng.bytes(size);
    let pos = 0;
    const read = (b: Buffer, o: number, l: number): number => {
      const n = Math.min(l, data.length - pos);
      data.copy(b, o, pos, pos + n);
      pos += n;
      return n;
    };
    const lens: number[] = [];
    for (const c of chunkStream(gear, read, w.buffer, w.findCut)) lens.push(c.length);
    assert.deepEqual(lens, size === 0 ? [] : chunkLengths(gear, data), `size ${size}`);
  }
  // Zeros exercise the max-size path.
  let left = 17 * 1024 * 1024;
  const zeros = (b: Buffer, o: number, l: number): number => { const n = Math.min(l, left); b.fill(0, o, o + n); left -= n; return n; };
  assert.deepEqual([...chunkStream(gear, zeros, w.buffer, w.findCut)].map((c) => c.length), [MAX_CHUNK, MAX_CHUNK, 1024 * 1024]);
});
