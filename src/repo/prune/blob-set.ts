/**
 * A set of 32-byte blob ids in flat memory (open addressing on the id's first bytes,
 * which are uniform: ids are HMAC outputs), about 40 bytes per id. Each id gets a
 * dense number (0, 1, 2… in insertion order) that callers use to index their own
 * typed arrays.
 */
export class BlobSet {
  private ids = Buffer.alloc(32 * 1024);
  private slots = new Int32Array(2048);
  private n = 0;

  get size(): number { return this.n; }

  /** The id's number, or -1 when absent. */
  indexOf(id: Buffer): number {
    const mask = this.slots.length - 1;
    let s = id.readUInt32LE(0) & mask;
    for (;;) {
      const v = this.slots[s]!;
      if (v === 0) return -1;
      if (this.ids.compare(id, 0, 32, (v - 1) * 32, v * 32) === 0) return v - 1;
      s = (s + 1) & mask;
    }
  }

  has(id: Buffer): boolean { return this.indexOf(id) >= 0; }

  /** Adds the id; returns its number and whether it was new. */
  add(id: Buffer): { index: number; added: boolean } {
    const found = this.indexOf(id);
    if (found >= 0) return { index: found, added: false };
    if ((this.n + 1) * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    if ((this.n + 1) * 32 > this.ids.length) {
      const grown = Buffer.alloc(this.ids.length * 2);
      this.ids.copy(grown);
      this.ids = grown;
    }
    id.copy(this.ids, this.n * 32, 0, 32);
    this.place(this.n);
    return { index: this.n++, added: true };
  }

  /** The id with number i (a copy). */
  at(i: number): Buffer {
    return Buffer.from(this.ids.subarray(i * 32, i * 32 + 32));
  }

  private place(i: number): void {
    const mask = this.slots.length - 1;
    let s = this.ids.readUInt32LE(i * 32) & mask;
    while (this.slots[s] !== 0) s = (s + 1) & mask;
    this.slots[s] = i + 1;
  }

  private rehash(cap: number): void {
    this.slots = new Int32Array(cap);
    for (let i = 0; i < this.n; i++) this.place(i);
  }
}
