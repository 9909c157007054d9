import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUD_RUN_AUTOSCALER } from './autoscaler';
import type { DeployedEnvironment, DeployedFunction } from './deployment-config';
import type { MeasuredCurves, MeasuredFigures } from './measured-figures';
import { empirical, exponential, seededRandom, type Sampler } from './random';
import { cloudRunPendingTimeoutMs, type InstanceCurves, type ServiceModel } from './service-model';
import { spikeErrorChart, spikeLatencyChart, type SpikeRun } from './spike-chart';
import { summariseRun, type RunSummary } from './spike-report';
import { simulate } from './spike-sim';
import { arrivalTimes, type TrafficProfile } from './traffic';

/**
 * The spike simulation of people as an environment deploys it, fed the benchmark's figures:
 * - a request's CPU is its kind's CPU per request at the deployed share, with the instance's
 *   slots taken (min(vCPU, 1) × 1 / one instance's measured requests/s, at the concurrency),
 *   drawn exponentially, on one CPU stage (Node's one thread) per instance; the kinds mixed by
 *   share;
 * - a request that finds its instance idle adds the CPU of waking it (the calibration's wake,
 *   as a scale of GET /people/{uuid}'s CPU per request, here at the deployed share); on an
 *   instance started during the spike, the CPU is scaled by the warm-up curve at the requests it
 *   has taken (dearer while V8 has not optimised it): both measured on GET /people/{uuid} at the
 *   calibration's scaled share, as scales of its busy warm instance's CPU per request
 *   (service-model.ts, InstanceCurves); the warm-up applied to every kind;
 * - under the deployed share's CPU quota (CFS, 100 ms periods) when it is under 1 vCPU;
 * - cold starts are drawn from the measured cold start (its minimum, median and maximum: the
 *   results keep no more of the distribution);
 * - concurrency, min and max instances from the tfvars, and Cloud Run's scaling rule
 *   (service-model.ts, autoscaler.ts).
 * This is the calibration's model (calibration.bench.ts) but for its database stage: the
 * measured requests/s were taken with the deployed pool, so its waits are in them, and the
 * database's time outside the instance's CPU is not modelled.
 */

/** The traffic mix of the people API. */
export interface Mix {
  writeShare: number;
  listShare: number;
}

/** The measured cold starts the simulation draws from. */
export const coldStartSamples = (figures: MeasuredFigures): number[] => [
  figures.coldStart.minMs,
  figures.coldStart.medianMs.value,
  figures.coldStart.maxMs,
];

/**
 * CPU of one request at the deployed share, with the instance's slots taken: its kind drawn by
 * share, then exponential about min(vCPU, 1) / throughput (the instance's CPU over the requests
 * it served: at 1 vCPU or more, one thread's whole time).
 */
export function peopleCpuMs(figures: MeasuredFigures, mix: Mix, vcpu = 1): Sampler {
  const share = Math.min(1, vcpu);
  const kinds = [
    { share: mix.writeShare, sample: exponential((share * 1000) / figures.write.throughput.value) },
    { share: mix.listShare, sample: exponential((share * 1000) / figures.list.throughput.value) },
    {
      share: 1 - mix.writeShare - mix.listShare,
      sample: exponential((share * 1000) / figures.read.throughput.value),
    },
  ];
  return (random) => {
    let u = random.next();
    for (const k of kinds) {
      if (u < k.share) return k.sample(random);
      u -= k.share;
    }
    return kinds[2]!.sample(random);
  };
}

/**
 * The CPU of waking an idle instance at the deployed share: the calibration's wake, a scale of a
 * busy instance's CPU per GET, times the CPU per GET measured at that share.
 */
export function peopleWakeMs(figures: MeasuredFigures, curves: InstanceCurves, vcpu = 1): number {
  return (curves.wake * Math.min(1, vcpu) * 1000) / figures.read.throughput.value;
}

/** people as deployed, with `minInstances` instead of its own. */
export function peopleServiceModel(
  people: DeployedFunction,
  figures: MeasuredFigures,
  curves: InstanceCurves,
  mix: Mix,
  minInstances: number,
): ServiceModel {
  return {
    concurrency: people.concurrency,
    minInstances,
    maxInstances: people.maxInstances,
    coldStartMs: empirical(coldStartSamples(figures)),
    stages: [
      {
        name: 'cpu',
        capacity: 1,
        holdMs: peopleCpuMs(figures, mix, people.vcpu),
        cpu: true,
        wakeMs: peopleWakeMs(figures, curves, people.vcpu),
        warmUp: curves.warmUp,
        ...(people.vcpu < 1 ? { quota: { vcpu: people.vcpu, periodMs: 100 } } : {}),
      },
    ],
    pendingTimeoutMs: cloudRunPendingTimeoutMs(coldStartSamples(figures)),
    autoscaler: CLOUD_RUN_AUTOSCALER,
  };
}

/** A step from `fromRps` (10 s) to `toRps` (60 s). */
export const spikeProfile = (fromRps: number, toRps: number): TrafficProfile => ({
  segments: [
    ...(fromRps > 0 ? [{ durationMs: 10_000, fromRps }] : [{ durationMs: 1, fromRps: 0 }]),
    { durationMs: 60_000, fromRps: toRps },
  ],
});

/** The min_instances choices compared: 0, 1, 3 and the environment's own, within max. */
export function minInstanceChoices(people: DeployedFunction): number[] {
  const choices = new Set([0, 1, 3, people.minInstances]);
  return [...choices].filter((n) => n <= people.maxInstances).sort((a, b) => a - b);
}

/** One simulated spike per choice of min_instances (seeded: the same every run). */
export function simulateSpike(
  people: DeployedFunction,
  figures: MeasuredFigures,
  curves: InstanceCurves,
  mix: Mix,
  spike: { fromRps: number; toRps: number },
  sliceMs = 2_000,
): (SpikeRun & { overall: RunSummary })[] {
  return minInstanceChoices(people).map((minInstances) => {
    const random = seededRandom(18);
    const arrivals = arrivalTimes(spikeProfile(spike.fromRps, spike.toRps), random);
    const run = simulate(
      peopleServiceModel(people, figures, curves, mix, minInstances),
      arrivals,
      random,
    );
    const { slices, overall } = summariseRun(run, sliceMs);
    return { minInstances, slices, overall };
  });
}

/**
 * Simulates the spike on the environment's people, writes its two charts to bench/results/ and
 * returns what it wrote with the overall figures per choice.
 */
export function writeSpikeChart(
  root: string,
  env: DeployedEnvironment,
  figures: MeasuredFigures,
  curves: MeasuredCurves,
  spike: { fromRps: number; toRps: number },
  mix: Mix = { writeShare: 0.2, listShare: 0.2 },
): string {
  const people = env.functions.find((f) => f.name === 'people');
  if (!people) throw new Error(`${env.tfvars}: no people function`);
  const runs = simulateSpike(people, figures, curves.curves, mix, spike);
  const title = `people in ${env.name}: step ${spike.fromRps} → ${spike.toRps} rps`;
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = `spike-${env.name}-${spike.fromRps}-${spike.toRps}`;
  writeFileSync(join(dir, `${base}-latency.svg`), spikeLatencyChart(title, runs));
  writeFileSync(join(dir, `${base}-errors.svg`), spikeErrorChart(title, runs));
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x) : 'n/a');
  return [
    `spike ${spike.fromRps} → ${spike.toRps} rps on ${env.name}'s people (concurrency ${people.concurrency}, max ${people.maxInstances}); cold starts from "${figures.coldStart.medianMs.from}"; wake and warm-up from ${curves.from}`,
    ...runs.map(
      (r) =>
        `  min_instances = ${r.minInstances}: p50 ${round(r.overall.p50Ms)} ms, p99 ${round(r.overall.p99Ms)} ms, ${r.overall.errors} of ${r.overall.arrivals} refused (429), ${r.overall.waitedForStart} waited for a cold start, ${r.overall.instancesStarted} instances`,
    ),
    `  charts: bench/results/${base}-latency.svg, bench/results/${base}-errors.svg`,
  ].join('\n');
}
