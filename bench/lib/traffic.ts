import type { Random } from './random';

/**
 * Traffic for the spike simulation: a request rate that is piecewise linear in time (a step from
 * nothing to N rps, a ramp, or any sequence of them), turned into arrival times.
 */

/** A stretch of time over which the rate goes linearly from `fromRps` to `toRps`. */
export interface RateSegment {
  durationMs: number;
  fromRps: number;
  /** Defaults to `fromRps`: a flat segment. */
  toRps?: number;
}

/** Rate segments one after the other, starting at t = 0. */
export interface TrafficProfile {
  segments: RateSegment[];
}

/** Nothing for `atMs`, then `rps` for `durationMs`: the spike. */
export function step(rps: number, durationMs: number, atMs = 0): TrafficProfile {
  const spike = { durationMs, fromRps: rps };
  return { segments: atMs > 0 ? [{ durationMs: atMs, fromRps: 0 }, spike] : [spike] };
}

/** From `fromRps` to `toRps`, linearly, over `durationMs`. */
export function ramp(fromRps: number, toRps: number, durationMs: number): TrafficProfile {
  return { segments: [{ durationMs, fromRps, toRps }] };
}

/** The profile's length in milliseconds. */
export function profileDurationMs(profile: TrafficProfile): number {
  return profile.segments.reduce((sum, s) => sum + s.durationMs, 0);
}

function check(profile: TrafficProfile): void {
  if (profile.segments.length === 0) throw new RangeError('a traffic profile needs segments');
  for (const [i, s] of profile.segments.entries()) {
    const to = s.toRps ?? s.fromRps;
    if (!(s.durationMs > 0) || !Number.isFinite(s.durationMs)) {
      throw new RangeError(`segments[${i}].durationMs must be a finite number > 0`);
    }
    if (!(s.fromRps >= 0) || !(to >= 0) || !Number.isFinite(s.fromRps + to)) {
      throw new RangeError(`segments[${i}]: rates must be finite numbers >= 0`);
    }
  }
}

/**
 * The time at which the expected number of arrivals reaches `count`: the inverse of
 * Λ(t) = ∫ rate. Within a segment Λ grows as a·t + b·t² (a the starting rate per ms, b half its
 * slope), so t solves that quadratic; undefined once the profile has ended.
 */
function inverseCumulative(profile: TrafficProfile, count: number): number | undefined {
  let startMs = 0;
  let before = 0;
  for (const s of profile.segments) {
    const a = s.fromRps / 1000;
    const b = ((s.toRps ?? s.fromRps) - s.fromRps) / 1000 / (2 * s.durationMs);
    const inSegment = a * s.durationMs + b * s.durationMs * s.durationMs;
    if (count <= before + inSegment && inSegment > 0) {
      const y = count - before;
      // The root written as 2y / (a + √(a² + 4by)) stays exact when b is 0 or tiny.
      return startMs + (2 * y) / (a + Math.sqrt(a * a + 4 * b * y));
    }
    before += inSegment;
    startMs += s.durationMs;
  }
  return undefined;
}

/**
 * Arrival times in ms for the profile. `poisson`: a non-homogeneous Poisson process, made by
 * mapping a unit-rate one through Λ⁻¹ (the time-rescaling theorem), so every request is
 * independent of the others, as real users are. `even`: the k-th request when Λ reaches k,
 * for tests that need to know exactly when each request comes.
 */
export function arrivalTimes(
  profile: TrafficProfile,
  random: Random,
  process: 'poisson' | 'even' = 'poisson',
): number[] {
  check(profile);
  const times: number[] = [];
  let count = 0;
  for (;;) {
    count += process === 'even' ? 1 : -Math.log(1 - random.next());
    const t = inverseCumulative(profile, count);
    if (t === undefined) return times;
    times.push(t);
  }
}
