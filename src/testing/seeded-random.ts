/**
 * The seeded randomness of every test and of the benchmark's data set: one generator
 * (mulberry32), one environment variable to replay a run (CBS_TEST_SEED). A test prints
 * its seed, or runs under withSeed, which adds the seed to any failure.
 */
export class SeededRandom {
  private s: number;
  constructor(readonly seed: number) { this.s = seed >>> 0; }

  /** [0, 1) */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  /** An integer in [0, n). */
  below(n: number): number { return Math.floor(this.next() * n); }
  pick<T>(a: readonly T[]): T { return a[Math.floor(this.next() * a.length)]!; }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    let i = 0;
    for (; i + 4 <= n; i += 4) b.writeUInt32LE((this.next() * 4294967296) >>> 0, i);
    for (; i < n; i++) b[i] = (this.next() * 256) & 255;
    return b;
  }
}

/** CBS_TEST_SEED when set (to replay a failure), else a fresh one. */
export function testSeed(): number {
  const s = process.env['CBS_TEST_SEED'];
  return s !== undefined && s !== '' ? Number(s) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** A generator seeded by testSeed() (or `seed`). */
export function seededRandom(seed = testSeed()): SeededRandom {
  return new SeededRandom(seed);
}

/** Runs `fn`; a failure's message gains the seed and how to replay it. */
export async function withSeed<T>(seed: number | { readonly seed: number }, fn: () => Promise<T>): Promise<T> {
  const n = typeof seed === 'number' ? seed : seed.seed;
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error) e.message += ` [seed ${n}; replay with CBS_TEST_SEED=${n}]`;
    throw e;
  }
}
