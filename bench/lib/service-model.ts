import type { Autoscaler } from './autoscaler';
import { mean, type Sampler } from './random';

/**
 * One HTTP function (a Cloud Run service) as the spike simulation sees it, and the scaling rule
 * it follows. From Cloud Run's documentation (read 2026-12-01):
 * - An instance takes at most `concurrency` requests at a time
 *   (https://cloud.google.com/run/docs/about-concurrency); here a request goes to the least
 *   busy ready instance.
 * - Two mechanisms scale out, "metrics-based scaling and on-demand scaling"
 *   (https://cloud.google.com/run/docs/about-instance-autoscaling).
 *   On demand: a request no instance can take waits, and instances are started until the
 *   starting ones have a slot for every waiting request, up to `maxInstances` (the page names
 *   the mechanism; one slot per waiting request is this model's reading of it).
 *   Metrics-based: one-minute averages of concurrency and CPU kept at 60% of the maximum
 *   (autoscaler.ts; "a utilization target of 60% for both CPU and concurrency",
 *   https://cloud.google.com/run/docs/configuring/scaling-controls).
 * - A waiting request fails with 429 after 3.5 × the service's average start-up time or 10 s,
 *   whichever is longer ("Exceeding maximum instances", about-instance-autoscaling).
 * - `minInstances` are started before the traffic and kept
 *   (https://cloud.google.com/run/docs/configuring/min-instances).
 * Not modelled: scale-in (a spike lasts minutes; no instance is stopped here), the request
 * timeout, the higher utilisation thresholds the docs mention at low instance counts, and
 * Cloud Run briefly exceeding max instances during surges.
 */

/** A resource inside an instance that a request holds for a while, taken in FIFO order. */
export interface Stage {
  name: string;
  /** Units: 1 for Node's one JavaScript thread, the pool size for database connections. */
  capacity: number;
  /** How long a request holds one unit. */
  holdMs: Sampler;
  /** Its busy units are the CPU usage the autoscaler reads. */
  cpu?: boolean;
  /**
   * The instance's CPU quota (cgroup CFS bandwidth, as Cloud Run and the throttled harness
   * enforce a vCPU share): per `periodMs`, the instance may use `vcpu × periodMs` of CPU; once
   * used, the stage stops until the next period. The stage runs at full speed until then, so a
   * light load sees no quota. `cpuPerMs`: CPU the whole instance spends (all its threads) per
   * ms the stage is held (default 1). Only on a stage of capacity 1.
   * https://docs.kernel.org/scheduler/sched-bwc.html
   */
  quota?: { vcpu: number; periodMs: number; cpuPerMs?: number };
  /**
   * What waking an idle instance adds to the hold (ms, charged to the quota as the rest of it):
   * added to the hold of a request that found no other in its instance (WakeCost), unscaled by
   * the curves below.
   */
  wakeMs?: number;
  /**
   * The hold drawn is multiplied by the curve's scale at the instance's requests in flight (this
   * one included) when the hold starts; what the quota is charged scales with it.
   */
  perLoad?: LoadCurve;
  /**
   * On an instance started during the run (not a min instance, which is warm before the
   * traffic), the hold is also multiplied by this curve's scale at the requests the instance has
   * taken so far (this one included) when the hold starts; what the quota is charged scales too.
   */
  warmUp?: WarmUpCurve;
}

/**
 * How much more CPU a request costs on a fresh instance than on a warm one at the same load:
 * `scale[i]` once the instance has taken `served[i]` requests (ascending), linear in between,
 * the end points' scales beyond them. Why: a new Node process runs its JavaScript unoptimised
 * until V8 has seen it often enough (and its compiler threads' CPU counts against the same
 * quota): people at 0.2 vCPU spent 1.6 to 1.9 ms per request over its first 100 requests at 16
 * in flight, 0.8 about the 1,000th, a warm instance 0.48. The calibration measures it on a fresh
 * instance before the step.
 */
export interface WarmUpCurve {
  served: readonly number[];
  scale: readonly number[];
}

/** Linear between the points (ascending `at`), the end points' values beyond them. */
function interpolate(at: readonly number[], scale: readonly number[], x: number): number {
  if (x <= at[0]!) return scale[0]!;
  for (let i = 1; i < at.length; i++) {
    if (x <= at[i]!) {
      const f = (x - at[i - 1]!) / (at[i]! - at[i - 1]!);
      return scale[i - 1]! + f * (scale[i]! - scale[i - 1]!);
    }
  }
  return scale[scale.length - 1]!;
}

/** The warm-up curve's scale once the instance has taken `served` requests. */
export function scaleAfterServed(curve: WarmUpCurve, served: number): number {
  return interpolate(curve.served, curve.scale, served);
}

/**
 * How the CPU a request costs changes with the instance's load: `scale[i]` at `inFlight[i]`
 * requests in the instance (ascending), linear in between, the end points' scales beyond them.
 * Why: a Node instance spends less CPU per request the more requests it holds at once (more of
 * them per turn of the event loop, no freeze and thaw between them): people at 0.4 vCPU spent
 * 3.3 to 3.5 ms of CPU per request one at a time, at most 1.6 ms in a loaded second. The
 * calibration (calibration.bench.ts) measures the curve closed-loop at 1, 2, 4, ... requests in
 * flight.
 */
export interface LoadCurve {
  inFlight: readonly number[];
  scale: readonly number[];
}

/** The curve's scale at `inFlight` requests in the instance. */
export function scaleAtLoad(curve: LoadCurve, inFlight: number): number {
  return interpolate(curve.inFlight, curve.scale, inFlight);
}

/** A curve from CPU per request measured at each load, as scales of `referenceMs`. */
export function loadCurveFrom(
  measured: readonly { inFlight: number; cpuMs: number }[],
  referenceMs: number,
): LoadCurve {
  const sorted = [...measured].sort((a, b) => a.inFlight - b.inFlight);
  return {
    inFlight: sorted.map((m) => m.inFlight),
    scale: sorted.map((m) => m.cpuMs / referenceMs),
  };
}

/**
 * What a request costs an instance in CPU, split in two: `busyMs` per request while the instance
 * holds others, and `wakeMs` more when it finds the instance idle. Why: the throttled harness,
 * as Cloud Run, gives an instance CPU only while a request is in flight, and an instance that
 * wakes for a request spends CPU a busy one does not; at 0.1 vCPU people's CPU per request rose
 * from 1.1 ms with its slots taken to 2.7 at 17 requests/s, where 0.87 of the requests woke it,
 * about on the line through the points in between (calibration.bench.ts, the open-loop levels).
 */
export interface WakeCost {
  busyMs: number;
  wakeMs: number;
}

/**
 * The least-squares line of CPU per request against wakes per request over measured loads:
 * its intercept is `busyMs`, its slope `wakeMs`. A RangeError if the loads do not give a line
 * with a positive busy cost and a wake cost of at least 0.
 */
export function wakeCostFrom(
  loads: readonly { wakesPerRequest: number; cpuMs: number }[],
): WakeCost {
  const n = loads.length;
  const meanX = loads.reduce((s, l) => s + l.wakesPerRequest, 0) / n;
  const meanY = loads.reduce((s, l) => s + l.cpuMs, 0) / n;
  const sxx = loads.reduce((s, l) => s + (l.wakesPerRequest - meanX) ** 2, 0);
  if (!(n >= 2 && sxx > 0))
    throw new RangeError('the wake cost needs loads at two different wakes per request at least');
  const wakeMs =
    loads.reduce((s, l) => s + (l.wakesPerRequest - meanX) * (l.cpuMs - meanY), 0) / sxx;
  const busyMs = meanY - wakeMs * meanX;
  if (!(busyMs > 0 && wakeMs >= 0))
    throw new RangeError(
      `the loads give ${busyMs.toFixed(2)} ms per busy request and ${wakeMs.toFixed(2)} ms per wake: CPU per request should rise with wakes from a positive cost`,
    );
  return { busyMs, wakeMs };
}

/**
 * How a request's CPU moves with its instance's idleness and age, as scales of a busy warm
 * instance's CPU per request (WakeCost.busyMs): what the calibration measures on people
 * (calibration.bench.ts, on its p50 figure) and the capacity CLI's spike model applies to the CPU
 * per request measured at the deployed share (spike-run.ts). Scales, not milliseconds, so that
 * they carry to another share and another run of the machine: the CPU a request costs is the
 * same work at any quota, and the machine's speed moves both alike.
 */
export interface InstanceCurves {
  /** A wake's CPU over `referenceMs`. */
  wake: number;
  warmUp: WarmUpCurve;
  /** A busy warm instance's CPU per request, ms: what the scales are of. */
  referenceMs: number;
  /** The vCPU share they were measured at. */
  vcpu: number;
}

/** One HTTP function as deployed. */
export interface ServiceModel {
  /** max_instance_request_concurrency. */
  concurrency: number;
  minInstances: number;
  maxInstances: number;
  /** Spawn to ready, in ms (the measured cold starts at the deployed CPU share). */
  coldStartMs: Sampler;
  /** What a request does inside an instance, in order (e.g. CPU, then a pool connection). */
  stages: Stage[];
  /** How long a request waits for an instance before a 429 (Infinity: it never gives up). */
  pendingTimeoutMs: number;
  /** null: on-demand scaling only. */
  autoscaler: Autoscaler | null;
}

/** The documented pending timeout: 3.5 × the average start-up time, at least 10 s. */
export function cloudRunPendingTimeoutMs(coldStartSamples: readonly number[]): number {
  return Math.max(3.5 * mean(coldStartSamples), 10_000);
}

/** Throws a RangeError naming the first setting a simulation cannot run with. */
export function checkServiceModel(model: ServiceModel): void {
  const whole = (n: number, min: number) => Number.isInteger(n) && n >= min;
  if (!whole(model.concurrency, 1)) throw new RangeError('concurrency must be a whole number >= 1');
  if (!whole(model.minInstances, 0) || !whole(model.maxInstances, 1)) {
    throw new RangeError('minInstances must be >= 0 and maxInstances >= 1, whole numbers');
  }
  if (model.minInstances > model.maxInstances) {
    throw new RangeError('minInstances must not exceed maxInstances');
  }
  if (model.stages.length === 0 || model.stages.some((s) => !whole(s.capacity, 1))) {
    throw new RangeError('an instance needs stages, each of whole capacity >= 1');
  }
  for (const stage of model.stages) {
    const q = stage.quota;
    if (q && (stage.capacity !== 1 || !(q.vcpu > 0 && q.periodMs > 0 && (q.cpuPerMs ?? 1) > 0)))
      throw new RangeError(`stage ${stage.name}: a quota needs capacity 1 and positive figures`);
    if (stage.perLoad && !wellFormed(stage.perLoad.inFlight, stage.perLoad.scale))
      throw new RangeError(
        `stage ${stage.name}: a load curve needs ascending loads, each with a positive scale`,
      );
    if (stage.wakeMs !== undefined && !(stage.wakeMs >= 0 && Number.isFinite(stage.wakeMs)))
      throw new RangeError(`stage ${stage.name}: wakeMs must be a finite number >= 0`);
    if (stage.warmUp && !wellFormed(stage.warmUp.served, stage.warmUp.scale))
      throw new RangeError(
        `stage ${stage.name}: a warm-up curve needs ascending counts, each with a positive scale`,
      );
  }
  if (!(model.pendingTimeoutMs > 0)) throw new RangeError('pendingTimeoutMs must be > 0');
}

/** Points at ascending `at`, each with a positive, finite scale. */
function wellFormed(at: readonly number[], scale: readonly number[]): boolean {
  return (
    at.length > 0 &&
    at.length === scale.length &&
    at.every((n, i) => i === 0 || n > at[i - 1]!) &&
    scale.every((x) => x > 0 && Number.isFinite(x))
  );
}
