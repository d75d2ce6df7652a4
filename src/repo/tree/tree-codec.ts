import { IntegrityError } from '../errors.js';
import type { NodeType, Tree, TreeNode } from './tree-node.js';

const TYPES: ReadonlySet<string> = new Set<NodeType>(['file', 'dir', 'symlink', 'other']);

/** Names compare as UTF-8 bytes so the order never depends on locale or JS string internals. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Canonical key order; absent optional fields are omitted. */
function canonical(n: TreeNode): Record<string, unknown> {
  const o: Record<string, unknown> = {
    name: n.name, type: n.type, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, ctime: n.ctime,
    size: n.size, inode: n.inode, dev: n.dev, nlink: n.nlink,
  };
  if (n.linkTarget !== undefined) o.linkTarget = n.linkTarget;
  if (n.content !== undefined) o.content = n.content;
  if (n.subtree !== undefined) o.subtree = n.subtree;
  if (n.hardlink !== undefined) o.hardlink = n.hardlink;
  return o;
}

/** Deterministic encoding: the same listing always yields the same bytes, hence the same blob id. */
export function encodeTree(nodes: readonly TreeNode[]): Buffer {
  const sorted = [...nodes].sort((a, b) => compareNames(a.name, b.name));
  return Buffer.from(JSON.stringify({ nodes: sorted.map(canonical) }) + '\n', 'utf8');
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Decodes and checks the shape of a tree. Names are NOT checked for safety here;
 * restore does that, because a tree may be hostile.
 */
export function decodeTree(bytes: Buffer, object: string): Tree {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new IntegrityError(object, 'tree is not JSON', { cause: e });
  }
  const nodes = (j as { nodes?: unknown }).nodes;
  if (!Array.isArray(nodes)) throw new IntegrityError(object, 'tree has no nodes array');
  for (const n of nodes as Record<string, unknown>[]) {
    const bad = (why: string): never => { throw new IntegrityError(object, `tree node ${JSON.stringify(n?.name)}: ${why}`); };
    if (typeof n !== 'object' || n === null) bad('not an object');
    if (typeof n.name !== 'string') bad('name is not a string');
    if (typeof n.type !== 'string' || !TYPES.has(n.type)) bad('unknown type');
    for (const k of ['mode', 'uid', 'gid', 'size', 'nlink']) if (typeof n[k] !== 'number' || !Number.isSafeInteger(n[k]) || (n[k] as number) < 0) bad(`${k} is not a non-negative integer`);
    for (const k of ['mtime', 'ctime', 'inode', 'dev']) if (typeof n[k] !== 'string' || !/^-?[0-9]+$/.test(n[k] as string)) bad(`${k} is not a decimal string`);
    if (n.type === 'file' && (!Array.isArray(n.content) || !(n.content as unknown[]).every((c) => typeof c === 'string' && HEX64.test(c)))) bad('file without a valid content list');
    if (n.type === 'dir' && (typeof n.subtree !== 'string' || !HEX64.test(n.subtree))) bad('dir without a valid subtree id');
    if (n.type === 'symlink' && typeof n.linkTarget !== 'string') bad('symlink without a target');
    if (n.hardlink !== undefined && typeof n.hardlink !== 'string') bad('hardlink is not a string');
  }
  return { nodes: nodes as TreeNode[] };
}

/** Nanosecond string → epoch milliseconds (floor). */
export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1000000n);
}
