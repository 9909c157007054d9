/**
 * Seeded randomness for the spike simulation: the same seed gives the same run, so a chart or a
 * test figure can be reproduced exactly. Hand-written rather than a dependency: the two
 * algorithms are a dozen lines, xoshiro128** is checked against its reference C, and
 * the project takes no new package for them (pure-rand would be the one to take).
 */

/** A source of uniform numbers in [0, 1). */
export interface Random {
  next(): number;
}

/** Draws a duration in milliseconds (or any non-negative quantity) from a distribution. */
export type Sampler = (random: Random) => number;

/** splitmix32: spreads a 32-bit seed over the four words of xoshiro's state. */
function splitmix32(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state ^ (state >>> 16);
    z = Math.imul(z, 0x21f0aaad);
    z ^= z >>> 15;
    z = Math.imul(z, 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/**
 * xoshiro128** (Blackman and Vigna, 2018, the reference C at prng.di.unimi.it): 32-bit outputs,
 * period 2^128 − 1, from a state of four 32-bit words (not all zero).
 */
export function xoshiro128ss(a: number, b: number, c: number, d: number): () => number {
  return () => {
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r >>> 0;
  };
}

/** A reproducible Random from an integer seed. */
export function seededRandom(seed: number): Random {
  if (!Number.isInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  const init = splitmix32(seed);
  const words = xoshiro128ss(init(), init(), init(), init());
  return { next: () => words() / 4294967296 };
}

/** Always `value`. */
export function constant(value: number): Sampler {
  if (!(value >= 0)) throw new RangeError(`a duration must be >= 0, got ${value}`);
  return () => value;
}

/** Exponential with the given mean (the service time of an M/M/c queue). */
export function exponential(mean: number): Sampler {
  if (!(mean > 0)) throw new RangeError(`the mean must be > 0, got ${mean}`);
  // 1 − u is in (0, 1], so the logarithm is finite.
  return (random) => -mean * Math.log(1 - random.next());
}

/**
 * One of the measured values, each equally likely: the distribution is the measurement itself
 * (cold starts of `npm run bench`, latencies of a load run), with no shape assumed.
 */
export function empirical(samples: readonly number[]): Sampler {
  if (samples.length === 0) throw new RangeError('an empirical distribution needs samples');
  const bad = samples.find((s) => !(s >= 0) || !Number.isFinite(s));
  if (bad !== undefined) throw new RangeError(`samples must be finite and >= 0, got ${bad}`);
  const copy = [...samples];
  return (random) => copy[Math.floor(random.next() * copy.length)]!;
}

/**
 * The sampler's values times `factor`: CPU time measured at full speed, run at a CPU share s,
 * takes 1/s as long (scaledBy(cpuMs, 1 / 0.167) at 256 MiB).
 */
export function scaledBy(sampler: Sampler, factor: number): Sampler {
  if (!(factor > 0)) throw new RangeError(`factor must be > 0, got ${factor}`);
  return (random) => sampler(random) * factor;
}

/** The arithmetic mean of samples (Cloud Run's "average startup time" of a service). */
export function mean(samples: readonly number[]): number {
  if (samples.length === 0) throw new RangeError('the mean of no samples');
  return samples.reduce((sum, s) => sum + s, 0) / samples.length;
}
