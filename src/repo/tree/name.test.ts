import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, seedFromEnv } from '../testing/random.js';
import { compareNames, escapeLatin1, escapeName, nameBytes, unescapeName } from './index.js';

const hex = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

test('valid UTF-8 names without a backslash render unchanged', () => {
  for (const s of ['plain', 'é', 'ünïcödé-名前', '🙂', 'tab\tname', 'new\nline', 'x'.repeat(255), "quote'\"", '%41', 'a\u0000b']) {
    assert.equal(escapeName(Buffer.from(s, 'utf8')), s);
    assert.deepEqual(unescapeName(s), Buffer.from(s, 'utf8'));
  }
});

test('the escaped form: backslash doubled, bytes outside valid UTF-8 as \\xhh (vectors)', () => {
  const vectors: [string, string][] = [
    ['66 6f ff', 'fo\\xff'],
    ['61 5c 62', 'a\\\\b'],
    ['5c 78 66 66', '\\\\xff'],
    ['c3 a9 ff c3 a9', 'é\\xffé'],
    ['c3', '\\xc3'],
    ['ed a0 80', '\\xed\\xa0\\x80'],
    ['c0 af', '\\xc0\\xaf'],
    ['f4 90 80 80', '\\xf4\\x90\\x80\\x80'],
    ['e2 82', '\\xe2\\x82'],
    ['e2 82 ac', '€'],
    ['80 61', '\\x80a'],
  ];
  for (const [bytes, escaped] of vectors) {
    assert.equal(escapeName(hex(bytes)), escaped, bytes);
    assert.deepEqual(unescapeName(escaped), hex(bytes), escaped);
    assert.deepEqual(nameBytes(escaped), hex(bytes));
  }
});

test('unescapeName accepts only the canonical spelling', () => {
  for (const bad of ['\\xC3', '\\xc3\\xa9', '\\q', 'a\\', '\\x4', '\\x41', '\ud800']) {
    assert.throws(() => unescapeName(bad), /not an escaped name/, JSON.stringify(bad));
  }
});

test('escaping is injective and reversible on random byte strings', (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`seed ${seed}`);
  const rng = new Rng(seed);
  const seen = new Map<string, string>();
  for (let i = 0; i < 20000; i++) {
    // Bias toward the interesting bytes: backslash, 'x', hex digits, UTF-8 lead and continuation bytes.
    const b = Buffer.from(Array.from({ length: rng.int(1, 8) }, () => rng.pick([0x5c, 0x78, 0x61, 0x66, 0x30, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0xed, 0xa0, 0xff, rng.int(0, 255)])));
    const e = escapeName(b);
    assert.deepEqual(unescapeName(e), b);
    const prev = seen.get(e);
    assert.ok(prev === undefined || prev === b.toString('hex'), `${prev} and ${b.toString('hex')} both escape to ${e}`);
    seen.set(e, b.toString('hex'));
    assert.equal(escapeLatin1(b.toString('latin1')), e);
  }
});

test('names compare by their bytes', () => {
  const names = ['b', 'a', 'é', 'Z', '🙂', 'aa', '\\xff', 'a\\\\'];
  const sorted = [...names].sort(compareNames);
  assert.deepEqual(sorted, ['Z', 'a', 'a\\\\', 'aa', 'b', 'é', '🙂', '\\xff']);
});
