import type { DeployedFunction } from '../../bench/lib/deployment-config';
import type { MeasuredFigure, MeasuredFigures } from '../../bench/lib/measured-figures';
import { seededRandom } from '../../bench/lib/random';
import type { InstanceCurves } from '../../bench/lib/service-model';
import {
  coldStartSamples,
  minInstanceChoices,
  peopleCpuMs,
  peopleServiceModel,
  peopleWakeMs,
  simulateSpike,
} from '../../bench/lib/spike-run';

const m = (value: number): MeasuredFigure => ({ value, from: 'test', deployedShare: true });
// Round figures: 1 ms of CPU per read, 2 per list, 4 per write; cold starts of 600 to 800 ms.
const FIGURES: MeasuredFigures = {
  read: { throughput: m(1000), latencyMs: m(5) },
  list: { throughput: m(500), latencyMs: m(5) },
  write: { throughput: m(250), latencyMs: m(5) },
  coldStart: { medianMs: m(700), minMs: 600, maxMs: 800 },
  projectStats: { throughput: m(1000), latencyMs: m(2) },
  auditLog: { throughput: m(1000), latencyMs: m(2) },
};
const PEOPLE: DeployedFunction = {
  name: 'people',
  kind: 'http',
  memory: '512Mi',
  cpu: '1',
  vcpu: 1,
  memoryGiB: 0.5,
  concurrency: 16,
  dbPoolMax: 5,
  minInstances: 1,
  maxInstances: 10,
};

// Curves that change nothing: no wake cost, every age at the warm instance's cost.
const FLAT: InstanceCurves = {
  wake: 0,
  warmUp: { served: [1], scale: [1] },
  referenceMs: 1,
  vcpu: 1,
};
const MIX = { writeShare: 0.2, listShare: 0.2 };

describe("the spike simulation of an environment's people", () => {
  it('draws cold starts from the measured minimum, median and maximum', () => {
    expect(coldStartSamples(FIGURES)).toEqual([600, 700, 800]);
  });

  it("a request's CPU time averages the mix of the kinds' 1 / throughput", () => {
    const sample = peopleCpuMs(FIGURES, { writeShare: 0.2, listShare: 0.2 });
    const random = seededRandom(1);
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += sample(random);
    // 0.6 × 1 + 0.2 × 2 + 0.2 × 4 = 1.8 ms; the sample mean of 2·10⁵ is within 1%.
    expect(Math.abs(sum / n - 1.8)).toBeLessThan(0.018);
  });

  it('compares min_instances 0, 1, 3 and the tfvars own, within max_instances', () => {
    expect(minInstanceChoices({ ...PEOPLE, minInstances: 2 })).toEqual([0, 1, 2, 3]);
    expect(minInstanceChoices({ ...PEOPLE, minInstances: 1, maxInstances: 2 })).toEqual([0, 1]);
  });

  it('a warm instance spares the step its cold starts', () => {
    const runs = simulateSpike(PEOPLE, FIGURES, FLAT, MIX, { fromRps: 0, toRps: 200 });
    const byMin = new Map(runs.map((r) => [r.minInstances, r.overall]));
    const first = new Map(runs.map((r) => [r.minInstances, r.slices[0]!]));
    expect([...byMin.keys()]).toEqual([0, 1, 3]);
    // From zero, the first requests wait for an instance to start: at least its 600 ms.
    expect(byMin.get(0)!.waitedForStart).toBeGreaterThan(0);
    expect(first.get(0)!.p99Ms).toBeGreaterThan(600);
    // One warm instance at 16 concurrent requests takes 200 rps of 1.8 ms each (36% busy).
    expect(byMin.get(1)!.waitedForStart).toBe(0);
    expect(first.get(1)!.p99Ms).toBeLessThan(600);
    for (const r of runs) expect(r.overall.errors).toBe(0);
  });

  it('under 1 vCPU, a request costs that share of 1 / throughput in CPU, under the quota', () => {
    const sample = peopleCpuMs(FIGURES, MIX, 0.5);
    const random = seededRandom(1);
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += sample(random);
    // Half of 1.8 ms: the instance's half a CPU over what it serves.
    expect(Math.abs(sum / n - 0.9)).toBeLessThan(0.009);
    const half = peopleServiceModel({ ...PEOPLE, vcpu: 0.5 }, FIGURES, FLAT, MIX, 1);
    expect(half.stages[0]!.quota).toEqual({ vcpu: 0.5, periodMs: 100 });
    expect(peopleServiceModel(PEOPLE, FIGURES, FLAT, MIX, 1).stages[0]!.quota).toBeUndefined();
  });

  it("a wake costs its scale of a GET's CPU at the deployed share", () => {
    // A GET is 1 ms of CPU at 1 vCPU (1,000 requests/s); the wake 1.5 of it. At 0.5 vCPU the
    // instance's half a CPU over the same throughput: 0.5 ms, the wake 0.75.
    const curves = { ...FLAT, wake: 1.5 };
    expect(peopleWakeMs(FIGURES, curves, 1)).toBeCloseTo(1.5, 10);
    expect(peopleWakeMs(FIGURES, curves, 0.5)).toBeCloseTo(0.75, 10);
    expect(peopleServiceModel(PEOPLE, FIGURES, curves, MIX, 1).stages[0]!.wakeMs).toBeCloseTo(
      1.5,
      10,
    );
  });

  it('a request alone on its instance adds the wake to its CPU', () => {
    // 2 rps on a warm instance: each request (1.8 ms on average) finds the instance idle, so a
    // wake of one GET's CPU (1 ms) adds 1 ms to the median request's time.
    const p50 = (curves: InstanceCurves) =>
      simulateSpike(PEOPLE, FIGURES, curves, MIX, { fromRps: 0, toRps: 2 }).find(
        (r) => r.minInstances === 1,
      )!.overall.p50Ms;
    expect(p50({ ...FLAT, wake: 1 }) - p50(FLAT)).toBeCloseTo(1, 6);
  });

  it('instances started by the spike serve slower while they warm up, the warm one does not', () => {
    // A fresh instance 4 × dearer over its first 2,000 requests.
    const warming = { ...FLAT, warmUp: { served: [2_000, 2_001], scale: [4, 1] } };
    const p50 = (curves: InstanceCurves, min: number, toRps: number) =>
      simulateSpike(PEOPLE, FIGURES, curves, MIX, { fromRps: 0, toRps }).find(
        (r) => r.minInstances === min,
      )!.overall.p50Ms;
    // From zero every instance is fresh: the warm-up slows the whole spike.
    expect(p50(warming, 0, 800)).toBeGreaterThan(p50(FLAT, 0, 800));
    // 600 rps of 1.8 ms each is 36% of three instances: three min instances, warm, take it
    // without starting one, so the curve changes nothing.
    expect(p50(warming, 3, 600)).toBe(p50(FLAT, 3, 600));
  });
});
