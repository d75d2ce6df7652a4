import { IntegrityError } from '../errors.js';
import { compareNames, nameBytes } from './name.js';
import { decodeTreeBlob } from './tree-codec.js';
import type { ChunkRef, TreeBlob, TreeNode } from './tree-node.js';

/** Loads a tree blob's verified plaintext by id (hex). */
export type TreeLoader = (id: string) => Promise<Buffer>;

function label(id: string, where: string): string {
  return `tree ${id} (${where || '/'})`;
}

async function loadBlob(load: TreeLoader, id: string, where: string): Promise<TreeBlob> {
  return decodeTreeBlob(await load(id), label(id, where));
}

/**
 * Loads one chunk of a chunked directory and checks it against its index entry:
 * the count, the first name, names strictly increasing, all below the next chunk's
 * first name. So the chunks of a directory read as one sorted list without repeats.
 */
async function loadChunk(load: TreeLoader, ref: ChunkRef, next: ChunkRef | undefined, where: string): Promise<readonly TreeNode[]> {
  const object = label(ref.tree, where);
  const t = decodeTreeBlob(await load(ref.tree), object);
  if (t.kind !== 'nodes') throw new IntegrityError(object, 'a chunk is itself a chunk index');
  const nodes = t.nodes;
  if (nodes.length !== ref.count) throw new IntegrityError(object, `chunk holds ${nodes.length} entries, its index says ${ref.count}`);
  if (nodes[0]!.name !== ref.first) throw new IntegrityError(object, 'chunk does not start with the name its index gives');
  for (let i = 1; i < nodes.length; i++) {
    if (compareNames(nodes[i - 1]!.name, nodes[i]!.name) >= 0) throw new IntegrityError(object, `entry ${JSON.stringify(nodes[i]!.name)} is out of order or repeated`);
  }
  if (next !== undefined && compareNames(nodes[nodes.length - 1]!.name, next.first) >= 0) throw new IntegrityError(object, 'chunk overlaps the next one');
  return nodes;
}

/** Every entry of a directory, in stored order, one chunk in memory at a time. */
export async function* readDir(load: TreeLoader, id: string, where: string): AsyncGenerator<TreeNode> {
  const t = await loadBlob(load, id, where);
  if (t.kind === 'nodes') {
    yield* t.nodes;
    return;
  }
  for (let i = 0; i < t.chunks.length; i++) yield* await loadChunk(load, t.chunks[i]!, t.chunks[i + 1], where);
}

/**
 * Entries [offset, offset + limit) of a directory and its entry count. A chunked
 * directory loads its index and only the chunks the page overlaps.
 */
export async function readDirPage(load: TreeLoader, id: string, where: string, offset: number, limit: number): Promise<{ nodes: TreeNode[]; total: number }> {
  const t = await loadBlob(load, id, where);
  if (t.kind === 'nodes') return { nodes: t.nodes.slice(offset, offset + limit), total: t.nodes.length };
  const total = t.chunks.reduce((s, c) => s + c.count, 0);
  const out: TreeNode[] = [];
  let start = 0;
  for (let i = 0; i < t.chunks.length && out.length < limit && start < offset + limit; i++) {
    const c = t.chunks[i]!;
    const end = start + c.count;
    if (end > offset) {
      const nodes = await loadChunk(load, c, t.chunks[i + 1], where);
      out.push(...nodes.slice(Math.max(0, offset - start), offset + limit - start));
    }
    start = end;
  }
  return { nodes: out, total };
}

/** The entry of a directory with this name (escaped form), if any. A chunked directory loads one chunk. */
export async function findInDir(load: TreeLoader, id: string, where: string, name: string): Promise<TreeNode | undefined> {
  const t = await loadBlob(load, id, where);
  if (t.kind === 'nodes') return t.nodes.find((n) => n.name === name);
  const want = nameBytes(name);
  // The last chunk whose first name is not above the wanted one.
  let lo = 0;
  let hi = t.chunks.length - 1;
  if (Buffer.compare(nameBytes(t.chunks[0]!.first), want) > 0) return undefined;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (Buffer.compare(nameBytes(t.chunks[mid]!.first), want) <= 0) lo = mid;
    else hi = mid - 1;
  }
  const nodes = await loadChunk(load, t.chunks[lo]!, t.chunks[lo + 1], where);
  return nodes.find((n) => n.name === name);
}
