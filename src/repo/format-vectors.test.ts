import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { chunkLengths, gearTable } from './chunker/index.js';
import { blobId, kekId, open, seal, sha256 } from './crypto/index.js';
import { decodeIndex, encodeIndex } from './index/index.js';
import { decodePackHeader, encodePackHeader } from './pack/index.js';
import { decodeTreeBlob, encodeChunkIndex, encodeTree, escapeName } from './tree/index.js';

// The vectors of docs/FORMAT.md §9. They were cross-checked against an independent
// implementation (Python hashlib/hmac + cryptography's AESGCM); changing any of them
// is a format change.
const ENC = Buffer.alloc(32, 0x02);
const MAC = Buffer.alloc(32, 0x01);
const NONCE = Buffer.alloc(12, 0x03);
const SEED = Buffer.alloc(32, 0x07);
const HELLO = Buffer.from('hello, world\n');
const HELLO_ID = '88b14b01207dfd70fc9be5afbd4c2fae74a7f08320ba81beb7ed9e1f86140f51';

test('blob id is HMAC-SHA256 under the MAC key', () => {
  assert.equal(blobId(MAC, HELLO).toString('hex'), HELLO_ID);
});

test('a sealed blob is nonce || AES-256-GCM(flag || payload, aad "opencbs:blob") || tag', () => {
  const sealed = seal(ENC, 'blob', [Buffer.of(0), HELLO], NONCE);
  assert.equal(sealed.toString('hex'), '030303030303030303030303c5959e457b905551aaca365ce68da0a26f14d98400c531b38d9240aea994');
  assert.deepEqual(open(ENC, 'blob', sealed, 'vector'), Buffer.concat([Buffer.of(0), HELLO]));
  assert.throws(() => open(ENC, 'index', sealed, 'vector'), /integrity check failed for vector/);
});

test('the gear table derives from the chunker seed', () => {
  const g = gearTable(SEED);
  assert.deepEqual([g[0]! >>> 0, g[1]! >>> 0, g[255]! >>> 0], [0xfe06fcd9, 0xe0d6ff5d, 0xcff94347]);
});

test('fastcdc-1m cuts the reference stream at the documented lengths', () => {
  const parts: Buffer[] = [];
  for (let i = 0; i < 6 * 32768; i++) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(i);
    parts.push(createHash('sha256').update(b).digest());
  }
  const stream = Buffer.concat(parts);
  assert.equal(sha256(stream).toString('hex'), 'b196069f4472db7f32fde5834ed7e63569a321c07957d17ddb65feb663ed67fb');
  assert.deepEqual(chunkLengths(gearTable(SEED), stream), [1094738, 1181257, 1070593, 1598529, 1159931, 186408]);
});

test('pack header and index encodings', () => {
  const id = Buffer.from(HELLO_ID, 'hex');
  const header = encodePackHeader([{ id, type: 'data', offset: 0, length: 42, rawLength: 13 }]);
  assert.equal(header.toString('hex'), '4f435031002a0000000d000000' + HELLO_ID);
  assert.deepEqual(decodePackHeader(header, 'v'), [{ id, type: 'data', offset: 0, length: 42, rawLength: 13 }]);
  const entry = { id, type: 'data' as const, pack: 'ab'.repeat(32), offset: 0, length: 42, rawLength: 13 };
  const index = encodeIndex([entry]);
  assert.equal(index.toString('hex'), '4f434931' + 'ab'.repeat(32) + '01000000' + HELLO_ID + '00' + '00000000' + '2a000000' + '0d000000');
  assert.deepEqual(decodeIndex(index, 'v'), [entry]);
});

test('tree encoding is canonical JSON sorted by name', () => {
  const t = encodeTree([
    { name: 'b', type: 'file', mode: 0o644, uid: 1000, gid: 1000, mtime: '1700000000123456789', ctime: '1700000000123456789', size: 13, inode: '42', dev: '2049', nlink: 1, content: [HELLO_ID] },
    { name: 'a', type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: '1', ctime: '2', size: 0, inode: '43', dev: '2049', nlink: 1, linkTarget: 'b' },
  ]);
  assert.equal(t.toString(), '{"nodes":[{"name":"a","type":"symlink","mode":511,"uid":0,"gid":0,"mtime":"1","ctime":"2","size":0,"inode":"43","dev":"2049","nlink":1,"linkTarget":"b"},' +
    `{"name":"b","type":"file","mode":420,"uid":1000,"gid":1000,"mtime":"1700000000123456789","ctime":"1700000000123456789","size":13,"inode":"42","dev":"2049","nlink":1,"content":["${HELLO_ID}"]}]}\n`);
});

test('tree additions: names and link targets that are not UTF-8, special files, chunk indexes (format 1, extended)', () => {
  const name = escapeName(Buffer.from([0x66, 0xff, 0x5c]));
  assert.equal(name, 'f\\xff\\\\');
  const t = encodeTree([
    { name, type: 'symlink', mode: 0o777, uid: 0, gid: 0, mtime: '1', ctime: '2', size: 0, inode: '5', dev: '9', nlink: 1, linkTarget: escapeName(Buffer.from([0x2f, 0xfe])) },
    { name: 'null', type: 'other', mode: 0o666, uid: 0, gid: 0, mtime: '1', ctime: '2', size: 0, inode: '6', dev: '9', nlink: 1, special: 'char', rdev: '259' },
    { name: 'a\\\\b', type: 'other', mode: 0o600, uid: 0, gid: 0, mtime: '1', ctime: '2', size: 0, inode: '7', dev: '9', nlink: 1, special: 'fifo' },
  ]);
  assert.equal(t.toString(), '{"nodes":[' +
    '{"name":"a\\\\b","type":"other","mode":384,"uid":0,"gid":0,"mtime":"1","ctime":"2","size":0,"inode":"7","dev":"9","nlink":1,"special":"fifo"},' +
    '{"name":"f\\\\xff\\\\\\\\","type":"symlink","mode":511,"uid":0,"gid":0,"mtime":"1","ctime":"2","size":0,"inode":"5","dev":"9","nlink":1,"linkTarget":"/\\\\xfe","nameBytes":"Zv9c","linkTargetBytes":"L/4="},' +
    '{"name":"null","type":"other","mode":438,"uid":0,"gid":0,"mtime":"1","ctime":"2","size":0,"inode":"6","dev":"9","nlink":1,"special":"char","rdev":"259"}]}\n');
  const back = decodeTreeBlob(t, 't');
  assert.equal(back.kind, 'nodes');
  if (back.kind === 'nodes') assert.deepEqual(back.nodes.map((n) => [n.name, n.linkTarget]), [['a\\\\b', undefined], [name, '/\\xfe'], ['null', undefined]]);
  assert.equal(encodeChunkIndex([{ tree: 'ab'.repeat(32), count: 1500, first: 'f\\xff' }]).toString(),
    `{"chunks":[{"tree":"${'ab'.repeat(32)}","count":1500,"first":"f\\\\xff"}]}\n`);
});

test('a KEK is identified by a truncated HMAC', () => {
  assert.equal(kekId(Buffer.alloc(32, 9)), 'dade8c91af1f56f4');
});
