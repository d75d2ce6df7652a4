/** Seeded PRNG (mulberry32) so every test tree can be rebuilt from its printed seed. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) { this.s = seed >>> 0; }

  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  pick<T>(a: readonly T[]): T { return a[Math.floor(this.next() * a.length)]!; }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (; i < n; i++) b[i] = (this.next() * 256) & 255;
    return b;
  }
}

export function seedFromEnv(): number {
  const s = process.env.TEST_SEED;
  return s ? Number(s) : (Date.now() ^ (process.pid << 8)) >>> 0;
}
