import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeTree, encodeTree, type TreeNode } from './index.js';

const node = (name: string): TreeNode => ({ name, type: 'file', mode: 0o644, uid: 1, gid: 2, mtime: '1', ctime: '2', size: 0, inode: '3', dev: '4', nlink: 1, content: [] });

test('tree encoding is independent of input order and sorts by UTF-8 bytes', () => {
  const names = ['b', 'a', 'é', 'Z', '🙂', 'aa'];
  const one = encodeTree(names.map(node));
  const two = encodeTree([...names].reverse().map(node));
  assert.ok(one.equals(two));
  assert.deepEqual(decodeTree(one, 't').nodes.map((n) => n.name), ['Z', 'a', 'aa', 'b', 'é', '🙂']);
});

test('malformed trees are integrity errors naming the tree', () => {
  const bad = (o: unknown): void => assert.throws(() => decodeTree(Buffer.from(JSON.stringify(o)), 'tree abc'), /tree abc/);
  bad({});
  bad({ nodes: [{ ...node('x'), type: 'weird' }] });
  bad({ nodes: [{ ...node('x'), content: ['zz'] }] });
  bad({ nodes: [{ ...node('x'), type: 'dir', content: undefined }] });
  bad({ nodes: [{ ...node('x'), mode: -1 }] });
  bad({ nodes: [{ ...node('x'), mtime: 5 }] });
  assert.throws(() => decodeTree(Buffer.from('{'), 'tree q'), /tree q/);
});

test('name bytes must be canonical: a non-UTF-8 name with its escaped form, nothing else', () => {
  const bad = (o: unknown): void => assert.throws(() => decodeTree(Buffer.from(JSON.stringify(o)), 'tree n'), /tree n/);
  bad({ nodes: [{ ...node('x'), nameBytes: Buffer.from('x').toString('base64') }] });
  bad({ nodes: [{ ...node('y'), nameBytes: Buffer.from([0x78, 0xff]).toString('base64') }] });
  bad({ nodes: [{ ...node('x\\xff'), nameBytes: 'eP8' }] });
  bad({ nodes: [{ ...node('\ud800') }] });
  bad({ nodes: [{ ...node('x'), special: 'fifo' }] });
  bad({ nodes: [{ ...node('x'), type: 'other', content: undefined, special: 'door' }] });
  const ok = decodeTree(Buffer.from(JSON.stringify({ nodes: [{ ...node('x\\xff'), nameBytes: 'eP8=' }, { ...node('a\\b') }] })), 't');
  assert.deepEqual(ok.nodes.map((n) => n.name), ['x\\xff', 'a\\\\b']);
});
