/**
 * Deterministic bytes for tests. The seed comes from CBS_TEST_SEED when set (to replay
 * a failure) and is otherwise random; `withSeed` puts it in the message of any failure.
 */
export function testSeed(): number {
  const env = process.env['CBS_TEST_SEED'];
  if (env !== undefined && env !== '') return Number(env) >>> 0;
  return (Math.random() * 2 ** 32) >>> 0;
}

export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }

  /** xorshift32: fast, and good enough to make content that does not compress or repeat. */
  nextU32(): number {
    let x = this.state;
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    this.state = x;
    return x;
  }

  int(maxExclusive: number): number {
    return this.nextU32() % maxExclusive;
  }

  bytes(n: number): Buffer {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.nextU32();
    return Buffer.from(words.buffer, 0, n);
  }
}

export async function withSeed<T>(seed: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof Error) e.message += ` [seed ${seed}; replay with CBS_TEST_SEED=${seed}]`;
    throw e;
  }
}
