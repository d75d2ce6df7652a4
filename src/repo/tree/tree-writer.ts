import { compareNames, nameBytes } from './name.js';
import { encodeChunkIndex, encodeTree } from './tree-codec.js';
import type { ChunkRef, TreeNode } from './tree-node.js';

/** A directory with at most this many entries is one plain tree blob (format 1 bytes). */
export const DIR_PLAIN_MAX = 2000;
/** A chunk ends after an entry whose name hash has its top 10 bits zero (about 1 in 1024)… */
const CUT_SHIFT = 22;
/** …once it holds at least this many entries… */
export const CHUNK_MIN = 256;
/** …and always at this many. */
export const CHUNK_MAX = 4096;

/** FNV-1a, 32 bits, over a name's bytes: where chunk boundaries fall depends on names alone. */
export function nameHash(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193) >>> 0;
  return h;
}

/**
 * Builds the tree of one directory from its entries, given in strictly increasing
 * order of name bytes. Up to DIR_PLAIN_MAX entries it stores one plain tree blob;
 * beyond, it stores the entries in chunks (plain tree blobs whose boundaries depend
 * only on the names, so an unchanged stretch of a huge directory dedups) and an index
 * blob naming them. Memory: at most max(DIR_PLAIN_MAX, CHUNK_MAX) nodes.
 */
export class TreeWriter {
  private buf: TreeNode[] = [];
  /** Positions in `buf` where a chunk ends (exclusive). */
  private cuts: number[] = [];
  private inChunk = 0;
  private total = 0;
  private readonly chunks: ChunkRef[] = [];
  private prev: string | undefined;

  /** @param save stores a tree blob's plaintext and returns its id (hex) */
  constructor(private readonly save: (plaintext: Buffer) => Promise<string>, private readonly where = '') {}

  get count(): number { return this.total; }

  async add(node: TreeNode): Promise<void> {
    if (this.prev !== undefined && compareNames(this.prev, node.name) >= 0) {
      throw new Error(`directory ${this.where || '/'}: entry ${JSON.stringify(node.name)} is out of order or repeated (internal error)`);
    }
    this.prev = node.name;
    const b = nameBytes(node.name);
    this.buf.push(node);
    this.total++;
    this.inChunk++;
    if (this.inChunk === CHUNK_MAX || (this.inChunk >= CHUNK_MIN && nameHash(b) >>> CUT_SHIFT === 0)) {
      this.cuts.push(this.buf.length);
      this.inChunk = 0;
    }
    if (this.total > DIR_PLAIN_MAX) await this.flushChunks();
  }

  /** Stores what is left; resolves to the directory's tree id. */
  async finish(): Promise<string> {
    if (this.total <= DIR_PLAIN_MAX) return this.save(encodeTree(this.buf, true));
    await this.flushChunks();
    if (this.buf.length > 0) await this.saveChunk(this.buf);
    this.buf = [];
    return this.save(encodeChunkIndex(this.chunks));
  }

  private async flushChunks(): Promise<void> {
    let start = 0;
    for (const end of this.cuts) {
      await this.saveChunk(this.buf.slice(start, end));
      start = end;
    }
    if (start > 0) this.buf = this.buf.slice(start);
    this.cuts = [];
  }

  private async saveChunk(nodes: TreeNode[]): Promise<void> {
    const tree = await this.save(encodeTree(nodes, true));
    this.chunks.push({ tree, count: nodes.length, first: nodes[0]!.name });
  }
}
