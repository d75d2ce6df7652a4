import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StorageError, type Backend, type ObjectInfo, type StorageErrorKind } from '../backend.js';
import { SeededRandom, testSeed, withSeed } from '../../testing/seeded-random.js';

export interface OpenedBackend {
  backend: Backend;
  cleanup(): Promise<void>;
}

/** Asserts that `p` rejects with a StorageError of `kind`. */
export async function rejectsWithKind(p: Promise<unknown>, kind: StorageErrorKind, what = ''): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof StorageError, `${what}: expected StorageError, got ${String(e)}`);
    assert.equal(e.kind, kind, `${what}: expected kind ${kind}, got ${e.kind}: ${e.message}`);
    return true;
  });
}

export async function collect(it: AsyncIterable<ObjectInfo>): Promise<ObjectInfo[]> {
  const out: ObjectInfo[] = [];
  for await (const o of it) out.push(o);
  return out;
}

/**
 * The Backend contract as tests; every backend registers it once from its own test
 * file. `open` must give a fresh, empty backend each time; each test closes it and
 * calls `cleanup`.
 */
export function backendConformanceSuite(name: string, open: () => Promise<OpenedBackend>): void {
  async function run(fn: (b: Backend, rnd: SeededRandom) => Promise<void>): Promise<void> {
    const seed = testSeed();
    const { backend, cleanup } = await open();
    try {
      await withSeed(seed, () => fn(backend, new SeededRandom(seed)));
    } finally {
      try { await backend.close(); } finally { await cleanup(); }
    }
  }

  describe(`Backend conformance: ${name}`, () => {
    test('put then get returns the same bytes for empty, 1-byte and 20 MiB objects', () => run(async (b, rnd) => {
      for (const size of [0, 1, 20 * 1024 * 1024]) {
        const data = rnd.bytes(size);
        await b.put(`obj/size-${size}`, data);
        const got = await b.get(`obj/size-${size}`);
        assert.ok(Buffer.isBuffer(got), 'get returns a Buffer');
        assert.equal(got.length, size);
        assert.ok(got.equals(data), `content of ${size}-byte object differs`);
      }
    }));

    test('ranged get returns exactly the start, middle and end; past the end is invalid-range', () => run(async (b, rnd) => {
      const data = rnd.bytes(100_000);
      await b.put('ranged', data);
      const cases = [
        { offset: 0, length: 10 },
        { offset: 40_000, length: 12_345 },
        { offset: 99_990, length: 10 },
        { offset: 0, length: 100_000 },
        { offset: 1, length: 1 },
      ];
      for (const r of cases) {
        const got = await b.get('ranged', r);
        assert.ok(got.equals(data.subarray(r.offset, r.offset + r.length)), `range ${JSON.stringify(r)}`);
      }
      await rejectsWithKind(b.get('ranged', { offset: 99_990, length: 11 }), 'invalid-range', 'one byte past end');
      await rejectsWithKind(b.get('ranged', { offset: 100_001, length: 1 }), 'invalid-range', 'offset past end');
      await rejectsWithKind(b.get('ranged', { offset: -1, length: 5 }), 'invalid-range', 'negative offset');
      await rejectsWithKind(b.get('missing', { offset: 0, length: 1 }), 'not-found', 'range of missing key');
    }));

    test('stat reports the size of an object', () => run(async (b, rnd) => {
      await b.put('stat/a', rnd.bytes(1234));
      await b.put('stat/empty', Buffer.alloc(0));
      assert.deepEqual(await b.stat('stat/a'), { key: 'stat/a', size: 1234 });
      assert.deepEqual(await b.stat('stat/empty'), { key: 'stat/empty', size: 0 });
    }));

    test('get and stat of an absent key are not-found', () => run(async (b) => {
      await rejectsWithKind(b.get('absent'), 'not-found', 'get');
      await rejectsWithKind(b.stat('absent'), 'not-found', 'stat');
      await rejectsWithKind(b.get('no/such/dir/key'), 'not-found', 'get nested');
      await rejectsWithKind(b.stat('no/such/dir/key'), 'not-found', 'stat nested');
      await b.put('dir/child', Buffer.from('x'));
      await rejectsWithKind(b.get('dir'), 'not-found', 'get of a key that is only a prefix');
      await rejectsWithKind(b.stat('dir'), 'not-found', 'stat of a key that is only a prefix');
    }));

    test('delete removes the object and deleting an absent key succeeds', () => run(async (b) => {
      await b.put('del/x', Buffer.from('bye'));
      await b.delete('del/x');
      await rejectsWithKind(b.get('del/x'), 'not-found', 'after delete');
      await b.delete('del/x');
      await b.delete('never/existed');
      assert.deepEqual(await collect(b.list('del/')), []);
    }));

    test('overwriting an object with the same content succeeds', () => run(async (b, rnd) => {
      const data = rnd.bytes(5000);
      await b.put('same', data);
      await b.put('same', data);
      assert.ok((await b.get('same')).equals(data));
      assert.equal((await collect(b.list('same'))).length, 1);
    }));

    test('list yields every object under a prefix once, with its size, and nothing else', () => run(async (b, rnd) => {
      const want = new Map<string, number>();
      const keys = ['data/00/aa', 'data/00/bb', 'data/01/cc', 'data/ff/dd/deep', 'data/top'];
      for (const k of keys) {
        const size = rnd.below(3000);
        await b.put(k, rnd.bytes(size));
        want.set(k, size);
      }
      for (const k of ['database', 'dat', 'index/00', 'snapshots/s1', 'config']) await b.put(k, Buffer.from(k));

      const got = await collect(b.list('data/'));
      assert.deepEqual(got.map((o) => o.key).sort(), [...want.keys()].sort());
      for (const o of got) assert.equal(o.size, want.get(o.key), `size of ${o.key}`);

      assert.deepEqual((await collect(b.list('data/0'))).map((o) => o.key).sort(), ['data/00/aa', 'data/00/bb', 'data/01/cc']);
      assert.deepEqual((await collect(b.list('data/00/'))).map((o) => o.key).sort(), ['data/00/aa', 'data/00/bb']);
      assert.deepEqual((await collect(b.list('dat'))).map((o) => o.key).sort(), ['dat', ...keys, 'database'].sort());
      assert.deepEqual((await collect(b.list('snapshots/'))).map((o) => o.key), ['snapshots/s1']);
      assert.deepEqual(await collect(b.list('locks/')), []);
      assert.deepEqual(await collect(b.list('nothing/here/')), []);
      const all = await collect(b.list(''));
      assert.equal(all.length, keys.length + 5);
      assert.equal(new Set(all.map((o) => o.key)).size, all.length, 'each key once');
    }));

    test('invalid keys are rejected with invalid-key by every method', () => run(async (b) => {
      const bad = ['', '/abs', 'trailing/', 'a//b', '..', 'a/../b', './a', 'a/.', 'back\\slash', 'sp ace', 'ü', 'a\nb', 'q?x'];
      for (const k of bad) {
        await rejectsWithKind(b.put(k, Buffer.from('x')), 'invalid-key', `put ${JSON.stringify(k)}`);
        await rejectsWithKind(b.get(k), 'invalid-key', `get ${JSON.stringify(k)}`);
        await rejectsWithKind(b.stat(k), 'invalid-key', `stat ${JSON.stringify(k)}`);
        await rejectsWithKind(b.delete(k), 'invalid-key', `delete ${JSON.stringify(k)}`);
      }
      for (const p of ['/abs', '../', 'a//', 'a/../']) {
        await rejectsWithKind(collect(b.list(p)), 'invalid-key', `list ${JSON.stringify(p)}`);
      }
      assert.deepEqual(await collect(b.list('')), [], 'nothing was stored');
    }));

    test('50 concurrent puts all land whole', () => run(async (b, rnd) => {
      const objs = Array.from({ length: 50 }, (_, i) => ({ key: `conc/${String(i).padStart(2, '0')}`, data: rnd.bytes(1000 + rnd.below(50_000)) }));
      await Promise.all(objs.map((o) => b.put(o.key, o.data)));
      const listed = await collect(b.list('conc/'));
      assert.equal(listed.length, 50);
      const got = await Promise.all(objs.map((o) => b.get(o.key)));
      got.forEach((g, i) => assert.ok(g.equals(objs[i]!.data), `object ${objs[i]!.key}`));
    }));

    test('binary content is preserved and stored bytes are isolated from caller buffers', () => run(async (b) => {
      const all = Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256));
      const input = Buffer.from(all);
      await b.put('bin', input);
      input.fill(0);
      const got = await b.get('bin');
      assert.ok(got.equals(all), 'every byte value survives, and mutating the input after put changes nothing');
      got.fill(7);
      assert.ok((await b.get('bin')).equals(all), 'mutating a returned buffer changes nothing');
      const view = new Uint8Array(all.buffer, all.byteOffset + 10, 20);
      await b.put('view', view);
      assert.ok((await b.get('view')).equals(all.subarray(10, 30)), 'a Uint8Array view is stored as exactly its bytes');
    }));
  });
}
