import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TreeNode } from '../tree/index.js';
import { fileChanged, type FileInfo } from './file-changed.js';

const info: FileInfo = { size: 10, mtime: '1000', ctime: '2000', inode: '42' };
const prev: TreeNode = { name: 'f', type: 'file', mode: 0o644, uid: 0, gid: 0, mtime: '1000', ctime: '2000', size: 10, inode: '42', dev: '1', nlink: 1, content: ['a'.repeat(64)] };

test('fileChanged: an identical file is unchanged, whatever its mode, owner or device', () => {
  assert.equal(fileChanged(info, prev), false);
  assert.equal(fileChanged(info, { ...prev, mode: 0o600, uid: 5, gid: 6, dev: '9', nlink: 2 }), false);
});

test('fileChanged: no previous node, another type, or a content-less node means reading the file', () => {
  assert.equal(fileChanged(info, undefined), true);
  assert.equal(fileChanged(info, { ...prev, type: 'dir', subtree: 'b'.repeat(64) }), true);
  assert.equal(fileChanged(info, { ...prev, type: 'symlink', linkTarget: 'x' }), true);
  const { content: _, ...noContent } = prev;
  assert.equal(fileChanged(info, noContent), true);
});

test('fileChanged: any of size, mtime, ctime or inode differing means reading the file', () => {
  assert.equal(fileChanged({ ...info, size: 11 }, prev), true);
  assert.equal(fileChanged({ ...info, mtime: '1001' }, prev), true);
  assert.equal(fileChanged({ ...info, ctime: '2001' }, prev), true);
  assert.equal(fileChanged({ ...info, inode: '43' }, prev), true);
});
