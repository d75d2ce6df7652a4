import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import {
  CHUNK_MAX, DIR_PLAIN_MAX, decodeTreeBlob, encodeTree, findInDir, nameHash, readDir, readDirPage, treeReferences, TreeWriter, type TreeNode,
} from './index.js';

const node = (name: string, extra: Partial<TreeNode> = {}): TreeNode => ({
  name, type: 'file', mode: 0o644, uid: 1, gid: 2, mtime: '1', ctime: '2', size: 0, inode: '3', dev: '4', nlink: 1, content: [], ...extra,
});

/** A content-addressed blob store in memory: what the tree layer sees of a repository. */
function store(): { blobs: Map<string, Buffer>; save: (b: Buffer) => Promise<string>; load: (id: string) => Promise<Buffer> } {
  const blobs = new Map<string, Buffer>();
  return {
    blobs,
    save: async (b) => { const id = createHash('sha256').update(b).digest('hex'); blobs.set(id, b); return id; },
    load: async (id) => { const b = blobs.get(id); if (!b) throw new Error(`no blob ${id}`); return b; },
  };
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `f${String(i).padStart(7, '0')}`);

async function write(s: ReturnType<typeof store>, list: string[]): Promise<string> {
  const w = new TreeWriter(s.save);
  for (const n of list) await w.add(node(n));
  return w.finish();
}

test('FNV-1a name hash vectors', () => {
  assert.equal(nameHash(Buffer.from('')), 0x811c9dc5);
  assert.equal(nameHash(Buffer.from('a')), 0xe40c292c);
  assert.equal(nameHash(Buffer.from('foobar')), 0xbf9cf968);
});

test('a directory of at most DIR_PLAIN_MAX entries is one plain tree, byte-identical to encodeTree', async () => {
  const s = store();
  const list = names(DIR_PLAIN_MAX);
  const id = await write(s, list);
  assert.equal(s.blobs.size, 1);
  assert.ok(s.blobs.get(id)!.equals(encodeTree(list.map((n) => node(n)))));
});

test('a large directory is stored in chunks read back in order, by page and by name', async () => {
  const s = store();
  const list = names(30_000);
  const id = await write(s, list);
  const t = decodeTreeBlob(s.blobs.get(id)!, 'index');
  assert.equal(t.kind, 'chunks');
  if (t.kind !== 'chunks') return;
  assert.equal(t.chunks.reduce((a, c) => a + c.count, 0), 30_000);
  assert.ok(t.chunks.every((c) => c.count <= CHUNK_MAX));
  assert.ok(t.chunks.length >= 8 && t.chunks.length <= 100, `${t.chunks.length} chunks`);
  const all: string[] = [];
  for await (const n of readDir(s.load, id, '/big')) all.push(n.name);
  assert.deepEqual(all, list);
  const page = await readDirPage(s.load, id, '/big', 12_345, 1000);
  assert.equal(page.total, 30_000);
  assert.deepEqual(page.nodes.map((n) => n.name), list.slice(12_345, 13_345));
  assert.deepEqual((await readDirPage(s.load, id, '/big', 29_990, 1000)).nodes.length, 10);
  assert.deepEqual((await readDirPage(s.load, id, '/big', 40_000, 10)).nodes, []);
  assert.equal((await findInDir(s.load, id, '/big', 'f0017777'))?.name, 'f0017777');
  assert.equal(await findInDir(s.load, id, '/big', 'f0017777x'), undefined);
  assert.equal(await findInDir(s.load, id, '/big', 'a'), undefined);
  assert.equal(await findInDir(s.load, id, '/big', 'z'), undefined);
  assert.deepEqual(treeReferences(s.blobs.get(id)!, 'index').map((r) => r.type), t.chunks.map(() => 'tree'));
});

test('chunk boundaries depend on names only: one new entry rewrites one or two chunks', async () => {
  const s1 = store();
  const s2 = store();
  const list = names(20_000);
  await write(s1, list);
  await write(s2, [...list.slice(0, 9001), 'f0009000a', ...list.slice(9001)]);
  const shared = [...s2.blobs.keys()].filter((k) => s1.blobs.has(k)).length;
  assert.ok(s2.blobs.size - shared <= 3, `${s2.blobs.size - shared} new blobs (index + changed chunks)`);
});

test('treeReferences lists data and subtree ids of a plain tree', () => {
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);
  const t = encodeTree([node('f', { content: [a, a] }), node('d', { type: 'dir', subtree: b, content: undefined })]);
  assert.deepEqual(treeReferences(t, 't'), [{ id: b, type: 'tree' }, { id: a, type: 'data' }, { id: a, type: 'data' }]);
});

test('a hostile chunked tree is an integrity error: counts, first names, order, overlap', async () => {
  const s = store();
  const c1 = await s.save(encodeTree([node('a'), node('b')]));
  const c2 = await s.save(encodeTree([node('c'), node('d')]));
  const idx = async (chunks: unknown): Promise<string> => s.save(Buffer.from(JSON.stringify({ chunks })));
  const drain = async (id: string): Promise<void> => { for await (const _ of readDir(s.load, id, '/x')) { /* read all */ } };
  await assert.rejects(drain(await idx([{ tree: c1, count: 3, first: 'a' }, { tree: c2, count: 2, first: 'c' }])), /holds 2 entries/);
  await assert.rejects(drain(await idx([{ tree: c1, count: 2, first: 'b' }, { tree: c2, count: 2, first: 'c' }])), /does not start with/);
  await assert.rejects(drain(await idx([{ tree: c1, count: 2, first: 'a' }, { tree: c2, count: 2, first: 'b' }])), /overlaps|does not start/);
  await assert.rejects(drain(await idx([{ tree: c2, count: 2, first: 'c' }, { tree: c1, count: 2, first: 'a' }])), /increasing name order/);
  await assert.rejects(drain(await idx([])), /without chunks/);
  const unsorted = await s.save(Buffer.from(JSON.stringify({ nodes: [node('b'), node('a')].map((n) => ({ ...n })) })));
  await assert.rejects(drain(await idx([{ tree: unsorted, count: 2, first: 'b' }])), /out of order/);
});
