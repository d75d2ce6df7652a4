/**
 * Repeatable randomness for tests: the seed comes from TEST_SEED or is drawn once,
 * and tests print it when they fail so a failure can be replayed exactly.
 */
export interface SeededRandom {
  readonly seed: number;
  /** [0, 1) */
  next(): number;
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number;
}

export function seededRandom(seed = Number(process.env['TEST_SEED'] ?? Math.floor(Math.random() * 2 ** 31))): SeededRandom {
  let a = seed >>> 0;
  // mulberry32: tiny, fast, good enough to shuffle test data.
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { seed, next, int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) };
}

/** Runs `fn`, and on failure adds the seed to the error so the run can be repeated with TEST_SEED. */
export async function withSeed<T>(r: SeededRandom, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    console.error(`test failed with TEST_SEED=${r.seed}`);
    throw e;
  }
}
