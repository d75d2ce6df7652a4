import { isUtf8 } from 'node:buffer';
import { IntegrityError } from '../errors.js';
import { compareNames, escapeName, isWellFormed, nameBytes, unescapeName } from './name.js';
import type { ChunkRef, NodeType, SpecialKind, Tree, TreeBlob, TreeNode } from './tree-node.js';

export { compareNames } from './name.js';

const TYPES: ReadonlySet<string> = new Set<NodeType>(['file', 'dir', 'symlink', 'other']);
const SPECIALS: ReadonlySet<string> = new Set<SpecialKind>(['fifo', 'socket', 'char', 'block']);
const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^-?[0-9]+$/;
/** Entries a chunk may claim; bounds what one chunk load costs on a hostile repository. */
export const CHUNK_COUNT_LIMIT = 65536;

/**
 * A byte string as stored in a tree: the string itself when it is valid UTF-8 (format 1,
 * unchanged), else its escaped form plus the bytes in base64 under `<key>Bytes`.
 */
function putBytes(o: Record<string, unknown>, key: string, escaped: string): void {
  const b = nameBytes(escaped);
  if (isUtf8(b)) {
    o[key] = b.toString('utf8');
  } else {
    o[key] = escaped;
    o[`${key}Bytes`] = b.toString('base64');
  }
}

/** Canonical key order; absent optional fields are omitted. Keys added after format 1 come last. */
function canonical(n: TreeNode): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  putBytes(o, 'name', n.name);
  const nameB64 = o['nameBytes'];
  delete o['nameBytes'];
  Object.assign(o, {
    type: n.type, mode: n.mode, uid: n.uid, gid: n.gid, mtime: n.mtime, ctime: n.ctime,
    size: n.size, inode: n.inode, dev: n.dev, nlink: n.nlink,
  });
  let targetB64: unknown;
  if (n.linkTarget !== undefined) {
    putBytes(o, 'linkTarget', n.linkTarget);
    targetB64 = o['linkTargetBytes'];
    delete o['linkTargetBytes'];
  }
  if (n.content !== undefined) o['content'] = n.content;
  if (n.subtree !== undefined) o['subtree'] = n.subtree;
  if (n.hardlink !== undefined) o['hardlink'] = n.hardlink;
  if (nameB64 !== undefined) o['nameBytes'] = nameB64;
  if (targetB64 !== undefined) o['linkTargetBytes'] = targetB64;
  if (n.special !== undefined) o['special'] = n.special;
  if (n.rdev !== undefined) o['rdev'] = n.rdev;
  return o;
}

/**
 * Deterministic encoding of a plain listing: the same entries always yield the same
 * bytes, hence the same blob id. Sorts by name bytes unless `sorted` says the caller did.
 */
export function encodeTree(nodes: readonly TreeNode[], sorted = false): Buffer {
  const list = sorted ? nodes : [...nodes].sort((a, b) => compareNames(a.name, b.name));
  return Buffer.from(JSON.stringify({ nodes: list.map(canonical) }) + '\n', 'utf8');
}

/** The index blob of a directory stored in chunks. */
export function encodeChunkIndex(chunks: readonly ChunkRef[]): Buffer {
  return Buffer.from(JSON.stringify({ chunks: chunks.map((c) => ({ tree: c.tree, count: c.count, first: c.first })) }) + '\n', 'utf8');
}

function parse(bytes: Buffer, object: string): Record<string, unknown> {
  let j: unknown;
  try {
    j = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    throw new IntegrityError(object, 'tree is not JSON', { cause: e });
  }
  if (typeof j !== 'object' || j === null) throw new IntegrityError(object, 'tree is not an object');
  return j as Record<string, unknown>;
}

/** Reads `key` (and `<key>Bytes`) back into the escaped form; `bad` throws. */
function getBytes(n: Record<string, unknown>, key: string, bad: (why: string) => never): string {
  const s = n[key];
  const b64 = n[`${key}Bytes`];
  if (typeof s !== 'string') bad(`${key} is not a string`);
  if (b64 === undefined) {
    if (!isWellFormed(s as string)) bad(`${key} is not well-formed Unicode`);
    // Well-formed text is valid UTF-8: only backslashes change in the escaped form.
    return (s as string).includes('\\') ? (s as string).replaceAll('\\', '\\\\') : s as string;
  }
  if (typeof b64 !== 'string') bad(`${key}Bytes is not a string`);
  const b = Buffer.from(b64 as string, 'base64');
  if (b.toString('base64') !== b64 || isUtf8(b)) bad(`${key}Bytes is not the canonical base64 of a non-UTF-8 byte string`);
  const escaped = escapeName(b);
  if (escaped !== s) bad(`${key} does not match ${key}Bytes`);
  return escaped;
}

function decodeNodes(nodes: unknown[], object: string): TreeNode[] {
  const out: TreeNode[] = [];
  for (const n of nodes as Record<string, unknown>[]) {
    const bad = (why: string): never => { throw new IntegrityError(object, `tree node ${JSON.stringify(n?.['name'])}: ${why}`); };
    if (typeof n !== 'object' || n === null) bad('not an object');
    const name = getBytes(n, 'name', bad);
    if (typeof n['type'] !== 'string' || !TYPES.has(n['type'])) bad('unknown type');
    for (const k of ['mode', 'uid', 'gid', 'size', 'nlink']) if (typeof n[k] !== 'number' || !Number.isSafeInteger(n[k]) || (n[k] as number) < 0) bad(`${k} is not a non-negative integer`);
    for (const k of ['mtime', 'ctime', 'inode', 'dev']) if (typeof n[k] !== 'string' || !DECIMAL.test(n[k] as string)) bad(`${k} is not a decimal string`);
    if (n['type'] === 'file' && (!Array.isArray(n['content']) || !(n['content'] as unknown[]).every((c) => typeof c === 'string' && HEX64.test(c)))) bad('file without a valid content list');
    if (n['type'] === 'dir' && (typeof n['subtree'] !== 'string' || !HEX64.test(n['subtree']))) bad('dir without a valid subtree id');
    if (n['type'] === 'symlink' && typeof n['linkTarget'] !== 'string') bad('symlink without a target');
    if (n['hardlink'] !== undefined && typeof n['hardlink'] !== 'string') bad('hardlink is not a string');
    if (n['special'] !== undefined && (n['type'] !== 'other' || typeof n['special'] !== 'string' || !SPECIALS.has(n['special']))) bad('special is not a known kind of an other node');
    if (n['rdev'] !== undefined && (typeof n['rdev'] !== 'string' || !/^[0-9]+$/.test(n['rdev']))) bad('rdev is not a decimal string');
    // The parsed object itself is the node (no copy, no delete: both cost on millions of entries).
    if (name !== n['name']) n['name'] = name;
    if (n['linkTarget'] !== undefined) {
      const target = getBytes(n, 'linkTarget', bad);
      if (target !== n['linkTarget']) n['linkTarget'] = target;
    }
    if (n['nameBytes'] !== undefined) n['nameBytes'] = undefined;
    if (n['linkTargetBytes'] !== undefined) n['linkTargetBytes'] = undefined;
    out.push(n as unknown as TreeNode);
  }
  return out;
}

/**
 * Decodes any tree blob and checks its shape. Names are NOT checked for safety here;
 * restore does that, because a tree may be hostile. Chunk indexes are checked to list
 * chunks in strictly increasing order of first name.
 */
export function decodeTreeBlob(bytes: Buffer, object: string): TreeBlob {
  const j = parse(bytes, object);
  if (Array.isArray(j['nodes'])) return { kind: 'nodes', nodes: decodeNodes(j['nodes'], object) };
  const chunks = j['chunks'];
  if (!Array.isArray(chunks)) throw new IntegrityError(object, 'tree has neither a nodes nor a chunks array');
  if (chunks.length === 0) throw new IntegrityError(object, 'chunked tree without chunks');
  const out: ChunkRef[] = [];
  let prev: Buffer | undefined;
  for (const c of chunks as Record<string, unknown>[]) {
    const bad = (why: string): never => { throw new IntegrityError(object, `tree chunk ${out.length}: ${why}`); };
    if (typeof c !== 'object' || c === null) bad('not an object');
    if (typeof c['tree'] !== 'string' || !HEX64.test(c['tree'])) bad('tree is not a blob id');
    if (typeof c['count'] !== 'number' || !Number.isSafeInteger(c['count']) || c['count'] < 1 || c['count'] > CHUNK_COUNT_LIMIT) bad('count is not a positive integer within bounds');
    if (typeof c['first'] !== 'string') bad('first is not a string');
    let first: Buffer;
    try {
      first = unescapeName(c['first'] as string);
    } catch (e) {
      return bad((e as Error).message);
    }
    if (prev !== undefined && Buffer.compare(prev, first) >= 0) bad('chunks are not in increasing name order');
    prev = first;
    out.push({ tree: c['tree'] as string, count: c['count'] as number, first: c['first'] as string });
  }
  return { kind: 'chunks', chunks: out };
}

/** Decodes a plain listing (a chunk, or a whole small directory); a chunk index is an integrity error here. */
export function decodeTree(bytes: Buffer, object: string): Tree {
  const t = decodeTreeBlob(bytes, object);
  if (t.kind !== 'nodes') throw new IntegrityError(object, 'expected a plain tree, found a chunk index');
  return { nodes: t.nodes };
}

/** A blob a tree blob refers to. */
export interface BlobRef {
  readonly id: string;
  readonly type: 'data' | 'tree';
}

/**
 * Every blob id a tree blob references, in order (a blob used twice is listed twice):
 * the content of its files (data), the subtrees of its dirs and the chunks of a
 * chunked directory (tree). A
 * walker (prune, check) follows the `tree` ones to reach everything a snapshot keeps.
 */
export function treeReferences(plaintext: Buffer, object: string): BlobRef[] {
  const t = decodeTreeBlob(plaintext, object);
  if (t.kind === 'chunks') return t.chunks.map((c) => ({ id: c.tree, type: 'tree' }));
  const out: BlobRef[] = [];
  for (const n of t.nodes) {
    for (const c of n.content ?? []) out.push({ id: c, type: 'data' });
    if (n.subtree !== undefined) out.push({ id: n.subtree, type: 'tree' });
  }
  return out;
}

/** Nanosecond string → epoch milliseconds (floor). */
export function nsToMs(ns: string): number {
  return Number(BigInt(ns) / 1000000n);
}
