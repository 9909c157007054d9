import type { SimulationRun, RequestOutcome } from './spike-sim';

/**
 * What a spike simulation means to a user: latency percentiles and errors per slice of time
 * (by arrival, so a slice tells what a request arriving then went through), and overall.
 */

/** The nearest-rank percentile (p in 0..100) of ascending `sorted`; NaN when it is empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

/** Requests that arrived in one slice of time. */
export interface SliceSummary {
  /** Start of the slice (ms since the run began). */
  startMs: number;
  arrivals: number;
  /** Answered. */
  completed: number;
  /** Rejected with 429 after waiting for an instance. */
  errors: number;
  /** Of the answered requests, arrival to answer (NaN when none was answered). */
  p50Ms: number;
  p99Ms: number;
  /** Answered by an instance that started while they waited. */
  waitedForStart: number;
  /** Instances started or starting by the end of the slice. */
  instances: number;
}

/** The whole run. */
export interface RunSummary {
  arrivals: number;
  completed: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  meanResponseMs: number;
  /** Mean of response minus service: time spent waiting (for an instance, a slot, the CPU, a connection). */
  meanWaitMs: number;
  waitedForStart: number;
  instancesStarted: number;
}

function summarise(requests: readonly RequestOutcome[]) {
  const answered = requests.filter((r) => r.endMs !== undefined);
  // A typed array sorts numerically, and several times faster than an array of numbers.
  const latencies = Float64Array.from(answered, (r) => r.endMs! - r.arrivalMs).sort();
  const total = latencies.reduce((sum, l) => sum + l, 0);
  const service = answered.reduce((sum, r) => sum + r.serviceMs, 0);
  return {
    arrivals: requests.length,
    completed: answered.length,
    errors: requests.filter((r) => r.rejected).length,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    meanResponseMs: answered.length ? total / answered.length : NaN,
    meanWaitMs: answered.length ? (total - service) / answered.length : NaN,
    waitedForStart: requests.filter((r) => r.waitedForStart).length,
  };
}

/**
 * The run in slices of `sliceMs`, from 0 to the last arrival. `fromMs` leaves out earlier
 * arrivals from the overall figures (a warm-up, when comparing with steady-state formulas).
 */
export function summariseRun(
  run: SimulationRun,
  sliceMs: number,
  fromMs = 0,
): { slices: SliceSummary[]; overall: RunSummary } {
  if (!(sliceMs > 0)) throw new RangeError(`sliceMs must be > 0, got ${sliceMs}`);
  const last = run.requests.at(-1)?.arrivalMs ?? 0;
  const slices: SliceSummary[] = [];
  let i = 0;
  for (let startMs = 0; startMs <= last; startMs += sliceMs) {
    const inSlice: RequestOutcome[] = [];
    while (i < run.requests.length && run.requests[i]!.arrivalMs < startMs + sliceMs) {
      inSlice.push(run.requests[i++]!);
    }
    const { meanResponseMs: _r, meanWaitMs: _w, ...figures } = summarise(inSlice);
    const instances = run.instances.filter((x) => x.requestedMs < startMs + sliceMs).length;
    slices.push({ startMs, ...figures, instances });
  }
  const overall = {
    ...summarise(run.requests.filter((r) => r.arrivalMs >= fromMs)),
    instancesStarted: run.instances.length,
  };
  return { slices, overall };
}
