import { mmc } from '../../bench/lib/queueing';
import { constant, empirical, exponential, seededRandom } from '../../bench/lib/random';
import { percentile, summariseRun, type SliceSummary } from '../../bench/lib/spike-report';
import { CLOUD_RUN_AUTOSCALER } from '../../bench/lib/autoscaler';
import {
  cloudRunPendingTimeoutMs,
  loadCurveFrom,
  scaleAfterServed,
  scaleAtLoad,
  wakeCostFrom,
  type LoadCurve,
  type WarmUpCurve,
  type ServiceModel,
} from '../../bench/lib/service-model';
import { quotaEndMs, simulate, type SimulationRun } from '../../bench/lib/spike-sim';
import { arrivalTimes, step } from '../../bench/lib/traffic';

/** One function: concurrency 1, one 100 ms stage, 500 ms cold starts, no autoscaler. */
const service = (overrides: Partial<ServiceModel>): ServiceModel => ({
  concurrency: 1,
  minInstances: 0,
  maxInstances: 100,
  coldStartMs: constant(500),
  stages: [{ name: 'work', capacity: 1, holdMs: constant(100) }],
  pendingTimeoutMs: Infinity,
  autoscaler: null,
  ...overrides,
});

/** Arrival to answer of each request, or `429` for a rejected one. */
const latencies = (run: SimulationRun) =>
  run.requests.map((r) => (r.endMs === undefined ? 429 : r.endMs - r.arrivalMs));

const atOnce = (n: number) => Array.from({ length: n }, () => 0);

// Cold starts of the people bundle from bench/results/latest.json (range 608 to 645 ms).
const COLD_STARTS = [608, 615, 622, 630, 636, 638, 640, 642, 645];

describe('the spike simulation against M/M/c', () => {
  // Fixed servers (min = max = c), concurrency 1, exponential service, no give-up: an M/M/c
  // queue. 150,000 requests, the first 1% left out as warm-up. Over seeds 1 to 12 the ratio
  // simulated / closed form had a standard deviation of at most 1.8% for P(wait), 4.8% for the
  // mean wait and 1.1% for the mean response; the bounds are three times that.
  it.each([
    { rps: 0.5, serviceMs: 1000, servers: 1 },
    { rps: 2, serviceMs: 1000, servers: 3 },
    { rps: 8, serviceMs: 1000, servers: 10 },
  ])('$servers server(s), $rps rps of $serviceMs ms', ({ rps, serviceMs, servers }) => {
    const closed = mmc({ arrivalRate: rps, serviceRate: 1000 / serviceMs, servers });
    const random = seededRandom(7);
    const durationMs = (150_000 / rps) * 1000;
    const model = service({
      minInstances: servers,
      maxInstances: servers,
      stages: [{ name: 'work', capacity: 1, holdMs: exponential(serviceMs) }],
    });
    const run = simulate(model, arrivalTimes(step(rps, durationMs), random), random);
    const fromMs = durationMs / 100;
    const { overall } = summariseRun(run, durationMs, fromMs);
    const kept = run.requests.filter((r) => r.arrivalMs >= fromMs);
    const waited = kept.filter((r) => r.admittedMs! > r.arrivalMs).length / kept.length;

    expect(Math.abs(waited / closed.probabilityOfWaiting - 1)).toBeLessThan(0.055);
    expect(Math.abs(overall.meanWaitMs / (closed.meanWait * 1000) - 1)).toBeLessThan(0.15);
    expect(Math.abs(overall.meanResponseMs / (closed.meanResponse * 1000) - 1)).toBeLessThan(0.035);
    expect(overall.instancesStarted).toBe(servers);
    expect(overall.errors).toBe(0);
  });
});

describe('concurrency per instance', () => {
  it('one instance of concurrency 2 serves two requests at once and queues the third', () => {
    const run = simulate(
      service({
        concurrency: 2,
        minInstances: 1,
        maxInstances: 1,
        stages: [{ name: 'io', capacity: 2, holdMs: constant(1000) }],
      }),
      atOnce(3),
      seededRandom(1),
    );
    expect(latencies(run)).toEqual([1000, 1000, 2000]);
  });

  it("admitted together, requests still take turns on Node's one thread", () => {
    const run = simulate(
      service({
        concurrency: 3,
        minInstances: 1,
        maxInstances: 1,
        stages: [{ name: 'cpu', capacity: 1, holdMs: constant(1000), cpu: true }],
      }),
      atOnce(3),
      seededRandom(1),
    );
    expect(run.requests.map((r) => r.admittedMs)).toEqual([0, 0, 0]);
    expect(latencies(run)).toEqual([1000, 2000, 3000]);
  });

  it('a request holds a pool connection for its database time; the pool queues the rest', () => {
    // CPU 10 ms on one thread, then 100 ms on one of 2 connections: the third request waits
    // for the first connection back (at 110 ms).
    const run = simulate(
      service({
        concurrency: 3,
        minInstances: 1,
        maxInstances: 1,
        stages: [
          { name: 'cpu', capacity: 1, holdMs: constant(10), cpu: true },
          { name: 'pool', capacity: 2, holdMs: constant(100) },
        ],
      }),
      atOnce(3),
      seededRandom(1),
    );
    expect(latencies(run)).toEqual([110, 120, 210]);
  });

  it('scales out by slots: three waiting requests at concurrency 2 start two instances', () => {
    const run = simulate(
      service({ concurrency: 2, stages: [{ name: 'io', capacity: 2, holdMs: constant(100) }] }),
      atOnce(3),
      seededRandom(1),
    );
    expect(run.instances).toEqual([
      { requestedMs: 0, readyMs: 500 },
      { requestedMs: 0, readyMs: 500 },
    ]);
    expect(latencies(run)).toEqual([600, 600, 600]);
    expect(run.requests.map((r) => r.waitedForStart)).toEqual([true, true, true]);
  });

  it('records which instance took each request, and none for a refused one', () => {
    // One warm instance of concurrency 1, 1 s a request: the second request goes to the one it
    // starts (ready at 500 ms); the third waits for a slot (max 2) and is refused at 700 ms.
    const run = simulate(
      service({
        minInstances: 1,
        maxInstances: 2,
        pendingTimeoutMs: 700,
        stages: [{ name: 'work', capacity: 1, holdMs: constant(1000) }],
      }),
      atOnce(3),
      seededRandom(1),
    );
    expect(run.requests.map((r) => r.instance)).toEqual([0, 1, undefined]);
    expect(latencies(run)).toEqual([1000, 1500, 429]);
  });
});

describe("the instance's CPU quota (CFS bandwidth) on the CPU stage", () => {
  // One warm instance taking 60 requests at once, each 1 ms of its one thread.
  const quotaRun = (quota?: { vcpu: number; periodMs: number; cpuPerMs?: number }) =>
    simulate(
      service({
        concurrency: 60,
        minInstances: 1,
        maxInstances: 1,
        stages: [{ name: 'cpu', capacity: 1, holdMs: constant(1), cpu: true, quota }],
      }),
      atOnce(60),
      seededRandom(1),
    ).requests.map((r) => r.endMs);
  const ends = (...ranges: [from: number, count: number][]) =>
    ranges.flatMap(([from, count]) => Array.from({ length: count }, (_, i) => from + i));

  it('runs at full speed within the period, then waits for the next (0.5 vCPU per 100 ms)', () => {
    expect(quotaRun()).toEqual(ends([1, 60]));
    expect(quotaRun({ vcpu: 0.5, periodMs: 100 })).toEqual(ends([1, 50], [101, 10]));
  });

  it("charges the instance's other threads too (cpuPerMs 2: 25 holds per period)", () => {
    expect(quotaRun({ vcpu: 0.5, periodMs: 100, cpuPerMs: 2 })).toEqual(
      ends([1, 25], [101, 25], [201, 10]),
    );
  });

  it('a hold that crosses the end of the budget finishes in the next period', () => {
    const state = { period: -1, usedMs: 0 };
    expect(quotaEndMs({ vcpu: 0.4, periodMs: 100 }, state, 0, 30)).toBe(30);
    expect(quotaEndMs({ vcpu: 0.4, periodMs: 100 }, state, 30, 25)).toBe(115);
    expect(state).toEqual({ period: 1, usedMs: 15 });
  });

  it('refuses a quota on a stage of more than one unit', () => {
    const stages = [
      { name: 'pool', capacity: 5, holdMs: constant(1), quota: { vcpu: 1, periodMs: 100 } },
    ];
    expect(() => simulate(service({ stages }), [0], seededRandom(1))).toThrow(
      'stage pool: a quota needs capacity 1 and positive figures',
    );
  });
});

describe("CPU per request that falls with the instance's load (a load curve)", () => {
  const curve: LoadCurve = { inFlight: [1, 3, 5], scale: [1, 0.5, 0.25] };

  it('is linear between the measured loads and flat beyond them', () => {
    expect([0, 1, 2, 3, 4, 5, 16].map((n) => scaleAtLoad(curve, n))).toEqual([
      1, 1, 0.75, 0.5, 0.375, 0.25, 0.25,
    ]);
    expect(scaleAtLoad({ inFlight: [4], scale: [0.6] }, 1)).toBe(0.6);
  });

  it('is built from CPU per request at each load, as scales of the reference, sorted by load', () => {
    const measured = [
      { inFlight: 4, cpuMs: 1.5 },
      { inFlight: 1, cpuMs: 3 },
      { inFlight: 2, cpuMs: 2.25 },
    ];
    expect(loadCurveFrom(measured, 3)).toEqual({ inFlight: [1, 2, 4], scale: [1, 0.75, 0.5] });
  });

  it('scales each hold by the requests in the instance when it starts', () => {
    // Four requests at once on one thread, 10 ms each alone: the first starts alone (1 in
    // flight, 10 ms); the next when the first's hold ends with 4 in the instance (5 ms), then 3
    // (5 ms), then 2 (7.5 ms).
    const run = simulate(
      service({
        concurrency: 4,
        minInstances: 1,
        maxInstances: 1,
        stages: [
          {
            name: 'cpu',
            capacity: 1,
            holdMs: constant(10),
            cpu: true,
            perLoad: { inFlight: [1, 3], scale: [1, 0.5] },
          },
        ],
      }),
      atOnce(4),
      seededRandom(1),
    );
    expect(latencies(run)).toEqual([10, 15, 20, 27.5]);
  });

  it('charges the quota the scaled hold: at half the CPU per request, twice the requests fit a period', () => {
    // 60 requests of 1 ms at 0.25 vCPU (25 ms per 100 ms): 25 a period alone; at 0.5 ms each
    // under load, 50 in the first period (ends 0.5 to 25 ms), the last 10 in the next.
    const run = simulate(
      service({
        concurrency: 60,
        minInstances: 1,
        maxInstances: 1,
        stages: [
          {
            name: 'cpu',
            capacity: 1,
            holdMs: constant(1),
            cpu: true,
            quota: { vcpu: 0.25, periodMs: 100 },
            perLoad: { inFlight: [1], scale: [0.5] },
          },
        ],
      }),
      atOnce(60),
      seededRandom(1),
    );
    const ends = run.requests.map((r) => r.endMs);
    expect(ends.slice(0, 50)).toEqual(Array.from({ length: 50 }, (_, i) => (i + 1) / 2));
    expect(ends.slice(50)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + (i + 1) / 2));
  });

  it('refuses a curve whose loads do not ascend, or a scale that is not positive', () => {
    const stages = (perLoad: LoadCurve) => [
      { name: 'cpu', capacity: 1, holdMs: constant(1), perLoad },
    ];
    const message = 'stage cpu: a load curve needs ascending loads, each with a positive scale';
    for (const bad of [
      { inFlight: [2, 1], scale: [1, 1] },
      { inFlight: [1, 2], scale: [1, 0] },
      { inFlight: [1, 2], scale: [1] },
      { inFlight: [], scale: [] },
    ]) {
      expect(() => simulate(service({ stages: stages(bad) }), [0], seededRandom(1))).toThrow(
        message,
      );
    }
  });
});

describe('the CPU of waking an idle instance (a wake cost)', () => {
  const wakeModel = (quota?: { vcpu: number; periodMs: number }) =>
    service({
      concurrency: 4,
      minInstances: 1,
      maxInstances: 1,
      stages: [
        { name: 'cpu', capacity: 1, holdMs: constant(2), cpu: true, wakeMs: 3, quota },
        { name: 'database', capacity: 4, holdMs: constant(10) },
      ],
    });

  it('is paid by a request that finds its instance with none in flight, not by one that finds it busy', () => {
    // At 0 and 5 ms: the first wakes the idle instance (3 + 2 ms of CPU, then 10 on the pool:
    // ends at 15); the second finds it holding the first (CPU 5 to 7, ends at 17). At 100 ms
    // the instance is idle again: the third wakes it (ends at 115).
    const run = simulate(wakeModel(), [0, 5, 100], seededRandom(1));
    expect(run.requests.map((r) => r.woke)).toEqual([true, false, true]);
    expect(run.requests.map((r) => r.endMs)).toEqual([15, 17, 115]);
  });

  it('is charged to the quota with the rest of the hold', () => {
    // 0.05 vCPU: 5 ms of CPU per 100 ms period. The first request's wake and hold (5 ms) use
    // the period up; the second, at 5 ms, waits for the next period (CPU 100 to 102, ends 112).
    const run = simulate(wakeModel({ vcpu: 0.05, periodMs: 100 }), [0, 5], seededRandom(1));
    expect(run.requests.map((r) => r.endMs)).toEqual([15, 112]);
  });

  it('is refused when negative', () => {
    const model = service({
      stages: [{ name: 'cpu', capacity: 1, holdMs: constant(1), wakeMs: -1 }],
    });
    expect(() => simulate(model, [0], seededRandom(1))).toThrow(
      'stage cpu: wakeMs must be a finite number >= 0',
    );
  });

  /** Loads as [wakes per request, CPU per request in ms] pairs. */
  const loads = (...points: [number, number][]) =>
    points.map(([wakesPerRequest, cpuMs]) => ({ wakesPerRequest, cpuMs }));

  it('is the slope of CPU per request against wakes per request, the busy cost its intercept', () => {
    // Points on 1 + 2 × wakes: exact; with noise, the least-squares line.
    const exact = wakeCostFrom(loads([0, 1], [0.5, 2], [0.75, 2.5]));
    expect(exact.busyMs).toBeCloseTo(1, 10);
    expect(exact.wakeMs).toBeCloseTo(2, 10);
    const fit = wakeCostFrom(loads([0, 1.1], [0.5, 1.9], [1, 3.1]));
    expect(fit.wakeMs).toBeCloseTo(2, 10);
    expect(fit.busyMs).toBeCloseTo(1.0333333333, 8);
  });

  it('needs loads at two wake rates, and a line that rises from a positive cost', () => {
    expect(() => wakeCostFrom(loads([0.5, 2]))).toThrow(
      'the wake cost needs loads at two different wakes per request at least',
    );
    expect(() => wakeCostFrom(loads([0, 2], [1, 1]))).toThrow(
      'the loads give 2.00 ms per busy request and -1.00 ms per wake',
    );
  });
});

describe("a fresh instance's warm-up (CPU per request falling with the requests it has taken)", () => {
  it('is linear between the measured counts and flat beyond them', () => {
    const curve: WarmUpCurve = { served: [10, 20, 40], scale: [3, 2, 1] };
    expect([0, 10, 15, 20, 30, 40, 1000].map((n) => scaleAfterServed(curve, n))).toEqual([
      3, 3, 2.5, 2, 1.5, 1, 1,
    ]);
  });

  it('slows an instance started during the run by the requests it has taken; a min instance not', () => {
    // Concurrency 1, 10 ms a request, three requests at once; 3× for an instance's first
    // request, 1× from its second.
    const model = (minInstances: number) =>
      service({
        minInstances,
        maxInstances: 1,
        stages: [
          {
            name: 'cpu',
            capacity: 1,
            holdMs: constant(10),
            cpu: true,
            warmUp: { served: [1, 2], scale: [3, 1] },
          },
        ],
      });
    // Started by the step (500 ms cold start): 30 ms, then 10, 10.
    expect(latencies(simulate(model(0), atOnce(3), seededRandom(1)))).toEqual([530, 540, 550]);
    // Warm before the traffic: 10 ms each.
    expect(latencies(simulate(model(1), atOnce(3), seededRandom(1)))).toEqual([10, 20, 30]);
  });

  it('multiplies the load curve and charges the quota the slower hold', () => {
    // A fresh instance, 16 at once of 1 ms at 0.1 vCPU (10 ms per 100 ms): the load curve
    // halves every hold (16 in flight), the warm-up doubles them: 1 ms each, 10 a period.
    const run = simulate(
      service({
        concurrency: 16,
        minInstances: 0,
        maxInstances: 1,
        coldStartMs: constant(0),
        stages: [
          {
            name: 'cpu',
            capacity: 1,
            holdMs: constant(1),
            cpu: true,
            quota: { vcpu: 0.1, periodMs: 100 },
            perLoad: { inFlight: [1], scale: [0.5] },
            warmUp: { served: [1], scale: [2] },
          },
        ],
      }),
      atOnce(16),
      seededRandom(1),
    );
    const ends = run.requests.map((r) => r.endMs);
    expect(ends.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(ends.slice(10)).toEqual(Array.from({ length: 6 }, (_, i) => 100 + i + 1));
  });

  it('refuses a curve whose counts do not ascend, or a scale that is not positive', () => {
    const stages = (warmUp: WarmUpCurve) => [
      { name: 'cpu', capacity: 1, holdMs: constant(1), warmUp },
    ];
    const message = 'stage cpu: a warm-up curve needs ascending counts, each with a positive scale';
    for (const bad of [
      { served: [2, 1], scale: [1, 1] },
      { served: [1, 2], scale: [1, -1] },
      { served: [1, 2], scale: [1] },
      { served: [], scale: [] },
    ]) {
      expect(() => simulate(service({ stages: stages(bad) }), [0], seededRandom(1))).toThrow(
        message,
      );
    }
  });
});

describe('cold starts and min instances under a step load', () => {
  // A step from nothing to 50 rps (Poisson) of 100 ms requests for 30 s, concurrency 1, cold
  // starts drawn from the measured ones; slices of one second. The service time is constant so
  // that any latency above 100 ms is waiting.
  const spike = (minInstances: number) => {
    const random = seededRandom(11);
    const model = service({
      minInstances,
      coldStartMs: empirical(COLD_STARTS),
      pendingTimeoutMs: cloudRunPendingTimeoutMs(COLD_STARTS),
    });
    return summariseRun(simulate(model, arrivalTimes(step(50, 30_000), random), random), 1000);
  };
  const p99s = (slices: SliceSummary[]) => slices.map((s) => Math.round(s.p99Ms * 1e6) / 1e6);

  it('with no warm instance, the first second waits for cold starts; after 5 s nothing waits', () => {
    const { slices, overall } = spike(0);
    expect(slices[0]!.waitedForStart).toBeGreaterThan(0);
    expect(slices[0]!.p99Ms).toBeGreaterThan(Math.min(...COLD_STARTS));
    const settled = slices.slice(5);
    expect(p99s(settled)).toEqual(settled.map(() => 100));
    expect(settled.map((s) => s.waitedForStart)).toEqual(settled.map(() => 0));
    expect(overall.errors).toBe(0);
  });

  it('with enough warm instances (20 for an average of 5 busy), no request ever waits', () => {
    const { slices, overall } = spike(20);
    expect(p99s(slices)).toEqual(slices.map(() => 100));
    expect(slices.map((s) => s.waitedForStart)).toEqual(slices.map(() => 0));
    expect(overall.instancesStarted).toBe(20);
  });
});

describe('max instances', () => {
  it('a capped service queues what it cannot start instances for, and 429s past the timeout', () => {
    // One instance (ready at 500) serves 1000 ms requests: the second waits 1500 ms (< 1600),
    // the third would wait 2500 ms and is rejected at 1600.
    const model = service({
      maxInstances: 1,
      stages: [{ name: 'work', capacity: 1, holdMs: constant(1000) }],
      pendingTimeoutMs: 1600,
    });
    const run = simulate(model, atOnce(3), seededRandom(1));
    expect(latencies(run)).toEqual([1500, 2500, 429]);
    expect(run.instances).toHaveLength(1);
    const two = simulate({ ...model, maxInstances: 2 }, atOnce(3), seededRandom(1));
    expect(latencies(two)).toEqual([1500, 1500, 2500]);
    expect(two.instances).toHaveLength(2);
  });

  it('overloaded 2.5 times, it never passes the cap and every request is answered or refused', () => {
    // 2 instances of 100 ms requests hold 20 rps; 50 rps arrive for 30 s.
    const random = seededRandom(5);
    const model = service({
      maxInstances: 2,
      coldStartMs: empirical(COLD_STARTS),
      pendingTimeoutMs: cloudRunPendingTimeoutMs(COLD_STARTS),
    });
    const run = simulate(model, arrivalTimes(step(50, 30_000), random), random);
    const { overall } = summariseRun(run, 1000);
    expect(overall.instancesStarted).toBe(2);
    expect(overall.completed + overall.errors).toBe(overall.arrivals);
    // At most 20 answers a second, for the 30 s of arrivals and the 10 s the last one may wait.
    expect(overall.completed).toBeLessThanOrEqual(20 * 40);
    expect(overall.errors).toBeGreaterThanOrEqual(overall.arrivals - 20 * 40);
  });

  it('the pending timeout is 3.5 × the mean start-up time, at least 10 s', () => {
    expect(cloudRunPendingTimeoutMs([600, 700])).toBe(10_000);
    expect(cloudRunPendingTimeoutMs([4000, 6000])).toBe(17_500);
  });
});

describe('the metrics-based autoscaler (60% of concurrency or CPU over one minute)', () => {
  // 8 rps, evenly, from one warm instance.
  const steady = (overrides: Partial<ServiceModel>) =>
    simulate(
      service({ minInstances: 1, autoscaler: CLOUD_RUN_AUTOSCALER, ...overrides }),
      arrivalTimes(step(8, 120_000), seededRandom(1), 'even'),
      seededRandom(1),
    );

  it('adds an instance when the average concurrency passes 60% of the maximum', () => {
    // 8 in flight of 10 is 80%: the one-minute average (zeros before t = 0) passes 60% between
    // the ticks at 45 s (6.0 in flight on average, not yet) and 50 s.
    const run = steady({
      concurrency: 10,
      stages: [{ name: 'io', capacity: 10, holdMs: constant(1000) }],
    });
    expect(run.instances.map((i) => i.requestedMs)).toEqual([0, 50_000]);
    const without = steady({
      concurrency: 10,
      stages: [{ name: 'io', capacity: 10, holdMs: constant(1000) }],
      autoscaler: null,
    });
    expect(without.instances).toHaveLength(1);
  });

  it('adds an instance when the CPU passes 60%, though concurrency is far below', () => {
    // 100 ms of CPU 8 times a second: 80% CPU, 8% of concurrency 10; at 45 s the minute's CPU
    // average is 35.9 s / 60 s = 59.8%, at 50 s it is 66%.
    const run = steady({
      concurrency: 10,
      stages: [{ name: 'cpu', capacity: 1, holdMs: constant(100), cpu: true }],
    });
    expect(run.instances.map((i) => i.requestedMs)).toEqual([0, 50_000]);
  });
});

describe('reproducibility', () => {
  it('the same seed gives the same run, to the last request; another seed does not', () => {
    const run = (seed: number) => {
      const random = seededRandom(seed);
      const model = service({
        coldStartMs: empirical(COLD_STARTS),
        stages: [{ name: 'work', capacity: 1, holdMs: exponential(100) }],
      });
      return simulate(model, arrivalTimes(step(50, 5_000), random), random);
    };
    expect(run(3)).toEqual(run(3));
    expect(run(4)).not.toEqual(run(3));
  });

  it('refuses a model that cannot run', () => {
    const random = seededRandom(1);
    expect(() => simulate(service({ concurrency: 0 }), [0], random)).toThrow(/concurrency/);
    expect(() => simulate(service({ minInstances: 3, maxInstances: 2 }), [0], random)).toThrow(
      /minInstances/,
    );
    expect(() => simulate(service({ stages: [] }), [0], random)).toThrow(/stages/);
  });
});

describe('the report', () => {
  it('the nearest-rank percentile: p50 of 1..10 is 5, p99 is 10, p10 is 1', () => {
    const sorted = Float64Array.from({ length: 10 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 99), percentile(sorted, 10)]).toEqual([
      5, 10, 1,
    ]);
    expect(percentile([], 50)).toBeNaN();
  });

  it('slices requests by arrival, and counts answers, refusals and cold waits in each', () => {
    const outcome = (arrivalMs: number, endMs: number | undefined, cold = false) => ({
      arrivalMs,
      admittedMs: endMs === undefined ? undefined : arrivalMs,
      endMs,
      serviceMs: endMs === undefined ? 0 : 100,
      waitedForStart: cold,
      rejected: endMs === undefined,
      woke: endMs !== undefined,
    });
    const run: SimulationRun = {
      requests: [outcome(0, 700, true), outcome(400, 1100, true), outcome(999, undefined)]
        .concat([outcome(1000, 1100), outcome(1500, 1600)])
        .concat([outcome(2100, 2300)]),
      instances: [
        { requestedMs: 0, readyMs: 600 },
        { requestedMs: 400, readyMs: 1000 },
        { requestedMs: 2050, readyMs: 2600 },
      ],
    };
    const { slices, overall } = summariseRun(run, 1000);
    expect(slices).toEqual([
      {
        startMs: 0,
        arrivals: 3,
        completed: 2,
        errors: 1,
        p50Ms: 700,
        p99Ms: 700,
        waitedForStart: 2,
        instances: 2,
      },
      {
        startMs: 1000,
        arrivals: 2,
        completed: 2,
        errors: 0,
        p50Ms: 100,
        p99Ms: 100,
        waitedForStart: 0,
        instances: 2,
      },
      {
        startMs: 2000,
        arrivals: 1,
        completed: 1,
        errors: 0,
        p50Ms: 200,
        p99Ms: 200,
        waitedForStart: 0,
        instances: 3,
      },
    ]);
    // Latencies 700, 700, 100, 100, 200: mean 360; service 100 each, so 260 of waiting.
    expect(overall).toEqual({
      arrivals: 6,
      completed: 5,
      errors: 1,
      p50Ms: 200,
      p99Ms: 700,
      meanResponseMs: 360,
      meanWaitMs: 260,
      waitedForStart: 2,
      instancesStarted: 3,
    });
    expect(summariseRun(run, 1000, 1000).overall.arrivals).toBe(3);
  });
});
