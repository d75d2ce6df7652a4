import { BLOB_TYPE_CODE, blobTypeFromCode } from '../pack/index.js';
import type { IndexEntry } from './index-entry.js';

/**
 * The in-memory map blob id → location, built from every index object. Stored in flat
 * typed arrays with open addressing (ids are HMAC outputs, so their first bytes are a
 * uniform hash): about 60 bytes per blob, so a million blobs take ~60 MiB.
 */
export class MasterIndex {
  private ids = Buffer.alloc(0);
  private packOf = new Uint32Array(0);
  private offsets = new Uint32Array(0);
  private lengths = new Uint32Array(0);
  private raws = new Uint32Array(0);
  private types = new Uint8Array(0);
  private slots = new Int32Array(1024);
  private n = 0;
  private readonly packIds: string[] = [];
  private readonly packNums = new Map<string, number>();

  get size(): number { return this.n; }

  /** Pack ids referenced by at least one entry. */
  packs(): readonly string[] { return this.packIds; }

  has(id: Buffer): boolean { return this.find(id) >= 0; }

  get(id: Buffer): IndexEntry | undefined {
    const i = this.find(id);
    return i < 0 ? undefined : this.entryAt(i);
  }

  /** Adds an entry; returns false (and keeps the first location) when the id is already present. */
  add(e: IndexEntry): boolean {
    if ((this.n + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    const mask = this.slots.length - 1;
    let s = e.id.readUInt32LE(0) & mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) break;
      if (this.idEquals(v - 1, e.id)) return false;
      s = (s + 1) & mask;
    }
    const i = this.n;
    if (i >= this.packOf.length) this.growEntries(Math.max(1024, this.packOf.length * 2));
    e.id.copy(this.ids, i * 32, 0, 32);
    let p = this.packNums.get(e.pack);
    if (p === undefined) {
      p = this.packIds.length;
      this.packIds.push(e.pack);
      this.packNums.set(e.pack, p);
    }
    this.packOf[i] = p;
    this.offsets[i] = e.offset;
    this.lengths[i] = e.length;
    this.raws[i] = e.rawLength;
    this.types[i] = BLOB_TYPE_CODE[e.type];
    this.slots[s] = i + 1;
    this.n++;
    return true;
  }

  *entries(): IterableIterator<IndexEntry> {
    for (let i = 0; i < this.n; i++) yield this.entryAt(i);
  }

  private entryAt(i: number): IndexEntry {
    return {
      id: Buffer.from(this.ids.subarray(i * 32, i * 32 + 32)),
      type: blobTypeFromCode(this.types[i]!, 'index'),
      pack: this.packIds[this.packOf[i]!]!,
      offset: this.offsets[i]!,
      length: this.lengths[i]!,
      rawLength: this.raws[i]!,
    };
  }

  private find(id: Buffer): number {
    const mask = this.slots.length - 1;
    let s = id.readUInt32LE(0) & mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.idEquals(v - 1, id)) return v - 1;
      s = (s + 1) & mask;
    }
  }

  private idEquals(i: number, id: Buffer): boolean {
    return this.ids.compare(id, 0, 32, i * 32, i * 32 + 32) === 0;
  }

  private growEntries(cap: number): void {
    const ids = Buffer.alloc(cap * 32);
    this.ids.copy(ids);
    this.ids = ids;
    const grow = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => { const b = make(cap); b.set(a); return b; };
    this.packOf = grow(this.packOf, (k) => new Uint32Array(k));
    this.offsets = grow(this.offsets, (k) => new Uint32Array(k));
    this.lengths = grow(this.lengths, (k) => new Uint32Array(k));
    this.raws = grow(this.raws, (k) => new Uint32Array(k));
    this.types = grow(this.types, (k) => new Uint8Array(k));
  }

  private rehash(cap: number): void {
    const slots = new Int32Array(cap);
    const mask = cap - 1;
    for (let i = 0; i < this.n; i++) {
      let s = this.ids.readUInt32LE(i * 32) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
  }
}
