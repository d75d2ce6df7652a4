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
