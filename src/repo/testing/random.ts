/** Kept for the engine's tests: the one seeded generator lives in src/testing. */
export { SeededRandom as Rng, testSeed as seedFromEnv } from '../../testing/seeded-random.js';
