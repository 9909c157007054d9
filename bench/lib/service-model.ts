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
  }
  if (!(model.pendingTimeoutMs > 0)) throw new RangeError('pendingTimeoutMs must be > 0');
}
