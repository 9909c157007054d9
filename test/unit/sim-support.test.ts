import { EventQueue } from '../../bench/lib/event-queue';
import {
  constant,
  empirical,
  exponential,
  mean,
  scaledBy,
  seededRandom,
  xoshiro128ss,
} from '../../bench/lib/random';
import { arrivalTimes, profileDurationMs, ramp, step } from '../../bench/lib/traffic';

describe('seeded randomness', () => {
  it('xoshiro128** gives the reference C outputs for the state (1, 2, 3, 4)', () => {
    // From the reference next() run by hand: rotl(2·5, 7)·9 = 11520, then s[1] = 0, ...
    const next = xoshiro128ss(1, 2, 3, 4);
    expect([next(), next(), next(), next()]).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('the same seed repeats the same numbers, another seed does not', () => {
    const draw = (seed: number) => {
      const r = seededRandom(seed);
      return Array.from({ length: 5 }, () => r.next());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(43)).not.toEqual(draw(42));
    expect(() => seededRandom(1.5)).toThrow(/seed/);
  });

  it('draws exponential times with the mean asked for (within 0.5% over 200,000 draws)', () => {
    // The standard error of the mean of 200,000 exponentials is mean/√200000 ≈ 0.22%.
    const r = seededRandom(1);
    const sample = exponential(250);
    const draws = Array.from({ length: 200_000 }, () => sample(r));
    expect(mean(draws) / 250).toBeCloseTo(1, 2);
    expect(draws.every((d) => d >= 0)).toBe(true);
  });

  it('an empirical distribution gives back only measured values, each about as often', () => {
    const r = seededRandom(3);
    const sample = empirical([600, 620, 700]);
    const counts = new Map<number, number>();
    for (let i = 0; i < 30_000; i++) {
      const v = sample(r);
      counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([600, 620, 700]);
    for (const n of counts.values()) expect(Math.abs(n - 10_000)).toBeLessThan(400);
    expect(() => empirical([])).toThrow(/samples/);
    expect(() => empirical([1, -2])).toThrow(/-2/);
  });

  it('scales CPU time to a CPU share, and keeps constants constant', () => {
    const r = seededRandom(1);
    expect(scaledBy(constant(10), 1 / 0.25)(r)).toBe(40);
    expect(() => scaledBy(constant(10), 0)).toThrow(/factor/);
    expect(() => constant(-1)).toThrow(/>= 0/);
  });
});

describe('the event queue', () => {
  it('gives events in time order, and same-time events in the order they were scheduled', () => {
    const q = new EventQueue<string>();
    const schedule: [number, string][] = [
      [5, 'e'],
      [1, 'a'],
      [3, 'c1'],
      [3, 'c2'],
      [2, 'b'],
      [3, 'c3'],
      [0, 'start'],
    ];
    for (const [at, e] of schedule) q.push(at, e);
    const out: string[] = [];
    for (let e = q.pop(); e; e = q.pop()) out.push(e.event);
    expect(out).toEqual(['start', 'a', 'b', 'c1', 'c2', 'c3', 'e']);
    expect(q.size).toBe(0);
    expect(q.peekTime()).toBeUndefined();
  });
});

describe('traffic profiles', () => {
  it('a step sends nothing before it, then `rps` evenly: the k-th request at k/rps', () => {
    const times = arrivalTimes(step(10, 1000, 500), seededRandom(1), 'even');
    expect(times).toEqual([600, 700, 800, 900, 1000, 1100, 1200, 1300, 1400, 1500]);
    expect(profileDurationMs(step(10, 1000, 500))).toBe(1500);
  });

  it('a ramp from 0 to 20 rps over 1 s has Λ(t) = 10·t², so the k-th request at √(k/10) s', () => {
    const times = arrivalTimes(ramp(0, 20, 1000), seededRandom(1), 'even');
    expect(times).toHaveLength(10);
    times.forEach((t, i) => expect(t).toBeCloseTo(1000 * Math.sqrt((i + 1) / 10), 9));
  });

  it('Poisson arrivals average the rate: 50 rps for 10 minutes is 30,000 ± 1%', () => {
    // A Poisson count of mean 30,000 has a standard deviation of √30000 ≈ 173 (0.58%).
    const times = arrivalTimes(step(50, 600_000), seededRandom(9));
    expect(Math.abs(times.length - 30_000)).toBeLessThan(300);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  });

  it('refuses a profile that is empty or has negative rates', () => {
    expect(() => arrivalTimes({ segments: [] }, seededRandom(1))).toThrow(/segments/);
    expect(() => arrivalTimes(ramp(5, -1, 1000), seededRandom(1))).toThrow(/segments\[0\]/);
    expect(() => arrivalTimes(step(5, 0), seededRandom(1))).toThrow(/durationMs/);
  });
});
