import {
  erlangB,
  erlangC,
  mmc,
  serversForMeanWait,
  serversForUtilisation,
  waitQuantile,
} from '../../bench/lib/queueing';

// Expected values are worked by hand from the textbook formulas (each case says how), so the
// test does not lean on the code's own recurrence.
describe('M/M/c closed forms', () => {
  it('M/M/1: waits with probability ρ, Wq = ρ / (μ − λ), W = 1 / (μ − λ)', () => {
    // λ = 0.5, μ = 1: ρ = 0.5, Wq = 0.5 / 0.5 = 1, W = 2, Lq = 0.5.
    const r = mmc({ arrivalRate: 0.5, serviceRate: 1, servers: 1 });
    expect(r.utilisation).toBeCloseTo(0.5, 12);
    expect(r.probabilityOfWaiting).toBeCloseTo(0.5, 12);
    expect(r.meanWait).toBeCloseTo(1, 12);
    expect(r.meanResponse).toBeCloseTo(2, 12);
    expect(r.meanQueueLength).toBeCloseTo(0.5, 12);
  });

  it('M/M/2 at ρ = 0.5: C = 2ρ² / (1 + ρ) = 1/3', () => {
    // a = 1: C = 1/3, Wq = C / (cμ − λ) = (1/3) / 1.
    const r = mmc({ arrivalRate: 1, serviceRate: 1, servers: 2 });
    expect(r.probabilityOfWaiting).toBeCloseTo(1 / 3, 12);
    expect(r.meanWait).toBeCloseTo(1 / 3, 12);
    expect(r.meanResponse).toBeCloseTo(4 / 3, 12);
  });

  it('M/M/3 at a = 2: C = (a³/3!)·(3/(3−a)) / (1 + a + a²/2 + (a³/3!)·(3/(3−a))) = 4/9', () => {
    // a³/3! · 3/(3 − 2) = 4; denominator 1 + 2 + 2 + 4 = 9.
    const r = mmc({ arrivalRate: 2, serviceRate: 1, servers: 3 });
    expect(r.probabilityOfWaiting).toBeCloseTo(4 / 9, 12);
    expect(r.meanWait).toBeCloseTo(4 / 9, 12);
    expect(r.utilisation).toBeCloseTo(2 / 3, 12);
  });

  it('Erlang B for 3 servers at 2 erlangs is (a³/3!) / Σ aᵏ/k! = (4/3) / (19/3) = 4/19', () => {
    expect(erlangB(3, 2)).toBeCloseTo(4 / 19, 12);
    expect(erlangB(0, 5)).toBe(1);
  });

  it('stays finite where aᶜ/c! overflows: 1,000 servers at 950 erlangs', () => {
    const c = erlangC(1000, 950);
    expect(c).toBeGreaterThan(0);
    expect(c).toBeLessThan(1);
  });

  it('scales with the time unit: service of 250 ms at 12 per second on 4 servers', () => {
    // Per second: λ = 12, μ = 4, a = 3; per millisecond: λ = 0.012, μ = 0.004. Wq scales by 1000.
    const perSecond = mmc({ arrivalRate: 12, serviceRate: 4, servers: 4 });
    const perMs = mmc({ arrivalRate: 0.012, serviceRate: 0.004, servers: 4 });
    expect(perMs.meanWait).toBeCloseTo(perSecond.meanWait * 1000, 6);
    expect(perMs.probabilityOfWaiting).toBeCloseTo(perSecond.probabilityOfWaiting, 12);
  });

  it('an unstable queue (ρ ≥ 1) always waits and waits without bound', () => {
    const r = mmc({ arrivalRate: 3, serviceRate: 1, servers: 3 });
    expect(r.probabilityOfWaiting).toBe(1);
    expect(r.meanWait).toBe(Infinity);
    expect(waitQuantile({ arrivalRate: 3, serviceRate: 1, servers: 3 }, 0.5)).toBe(Infinity);
  });

  it('the wait quantile is 0 below 1 − C and ln(C/(1−p)) / (cμ − λ) above it', () => {
    // M/M/1, λ = 0.5, μ = 1: C = 0.5; p99 wait = ln(0.5 / 0.01) / 0.5 = 2·ln 50.
    const q = { arrivalRate: 0.5, serviceRate: 1, servers: 1 };
    expect(waitQuantile(q, 0.4)).toBe(0);
    expect(waitQuantile(q, 0.99)).toBeCloseTo(2 * Math.log(50), 12);
  });

  it('refuses inputs that have no queue: no servers, a zero service rate, negative arrivals', () => {
    expect(() => mmc({ arrivalRate: 1, serviceRate: 1, servers: 0 })).toThrow(/servers/);
    expect(() => mmc({ arrivalRate: 1, serviceRate: 0, servers: 1 })).toThrow(/serviceRate/);
    expect(() => mmc({ arrivalRate: -1, serviceRate: 1, servers: 1 })).toThrow(/arrivalRate/);
    expect(() => mmc({ arrivalRate: 1, serviceRate: 1, servers: 1.5 })).toThrow(/servers/);
  });
});

describe('sizing from the closed forms', () => {
  it('servers for a utilisation target: ⌈λ / (μ·target)⌉, exact fits not rounded up', () => {
    // 100 rps of 50 ms (μ = 20) at 60%: 100 / 20 / 0.6 = 8.33 -> 9.
    expect(serversForUtilisation(100, 20, 0.6)).toBe(9);
    // 42 rps of 100 ms at 60% is 7 exactly (in floating point 7.000000000000001).
    expect(serversForUtilisation(42, 10, 0.6)).toBe(7);
    expect(serversForUtilisation(0, 4, 0.6)).toBe(1);
    expect(() => serversForUtilisation(1, 1, 0)).toThrow(/target/);
  });

  it('servers for a mean wait: the fewest c whose Wq is within the bound', () => {
    // λ = 2, μ = 1: c = 3 gives Wq = 4/9 ≈ 0.444; c = 4 gives C = 4/23 over cμ − λ = 2 = 2/23.
    expect(serversForMeanWait(2, 1, 0.5)).toBe(3);
    expect(serversForMeanWait(2, 1, 0.4)).toBe(4);
    expect(mmc({ arrivalRate: 2, serviceRate: 1, servers: 4 }).meanWait).toBeCloseTo(2 / 23, 12);
    expect(() => serversForMeanWait(2, 1, 0)).toThrow(/maxMeanWait/);
  });
});
