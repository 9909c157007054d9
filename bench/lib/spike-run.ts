import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOUD_RUN_AUTOSCALER } from './autoscaler';
import type { DeployedEnvironment, DeployedFunction } from './deployment-config';
import type { MeasuredFigures } from './measured-figures';
import { empirical, exponential, seededRandom, type Sampler } from './random';
import { cloudRunPendingTimeoutMs, type ServiceModel } from './service-model';
import { spikeErrorChart, spikeLatencyChart, type SpikeRun } from './spike-chart';
import { summariseRun, type RunSummary } from './spike-report';
import { simulate } from './spike-sim';
import { arrivalTimes, type TrafficProfile } from './traffic';

/**
 * The spike simulation of people as an environment deploys it, fed the benchmark's figures:
 * - the request's CPU time is 1 / (one instance's measured requests/s) for its kind, drawn
 *   exponentially, on one CPU stage (Node's one thread) per instance; the kinds mixed by share;
 * - cold starts are drawn from the measured cold start (its minimum, median and maximum: the
 *   results keep no more of the distribution);
 * - concurrency, min and max instances from the tfvars, and Cloud Run's scaling rule
 *   (service-model.ts, autoscaler.ts).
 * Not modelled: the database pool as its own queue (the measured requests/s were taken with the
 * deployed pool, so its waits are in them) and the database's time outside the instance's CPU.
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

/** CPU time of one request: its kind drawn by share, then exponential about 1 / throughput. */
export function peopleCpuMs(figures: MeasuredFigures, mix: Mix): Sampler {
  const kinds = [
    { share: mix.writeShare, sample: exponential(1000 / figures.write.throughput.value) },
    { share: mix.listShare, sample: exponential(1000 / figures.list.throughput.value) },
    {
      share: 1 - mix.writeShare - mix.listShare,
      sample: exponential(1000 / figures.read.throughput.value),
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

/** people as deployed, with `minInstances` instead of its own. */
export function peopleServiceModel(
  people: DeployedFunction,
  figures: MeasuredFigures,
  mix: Mix,
  minInstances: number,
): ServiceModel {
  return {
    concurrency: people.concurrency,
    minInstances,
    maxInstances: people.maxInstances,
    coldStartMs: empirical(coldStartSamples(figures)),
    stages: [{ name: 'cpu', capacity: 1, holdMs: peopleCpuMs(figures, mix), cpu: true }],
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
  mix: Mix,
  spike: { fromRps: number; toRps: number },
  sliceMs = 2_000,
): (SpikeRun & { overall: RunSummary })[] {
  return minInstanceChoices(people).map((minInstances) => {
    const random = seededRandom(18);
    const arrivals = arrivalTimes(spikeProfile(spike.fromRps, spike.toRps), random);
    const run = simulate(peopleServiceModel(people, figures, mix, minInstances), arrivals, random);
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
  spike: { fromRps: number; toRps: number },
  mix: Mix = { writeShare: 0.2, listShare: 0.2 },
): string {
  const people = env.functions.find((f) => f.name === 'people');
  if (!people) throw new Error(`${env.tfvars}: no people function`);
  const runs = simulateSpike(people, figures, mix, spike);
  const title = `people in ${env.name}: step ${spike.fromRps} → ${spike.toRps} rps`;
  const dir = join(root, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = `spike-${env.name}-${spike.fromRps}-${spike.toRps}`;
  writeFileSync(join(dir, `${base}-latency.svg`), spikeLatencyChart(title, runs));
  writeFileSync(join(dir, `${base}-errors.svg`), spikeErrorChart(title, runs));
  const round = (x: number) => (Number.isFinite(x) ? Math.round(x) : 'n/a');
  return [
    `spike ${spike.fromRps} → ${spike.toRps} rps on ${env.name}'s people (concurrency ${people.concurrency}, max ${people.maxInstances}); cold starts from "${figures.coldStart.medianMs.from}"`,
    ...runs.map(
      (r) =>
        `  min_instances = ${r.minInstances}: p50 ${round(r.overall.p50Ms)} ms, p99 ${round(r.overall.p99Ms)} ms, ${r.overall.errors} of ${r.overall.arrivals} refused (429), ${r.overall.waitedForStart} waited for a cold start, ${r.overall.instancesStarted} instances`,
    ),
    `  charts: bench/results/${base}-latency.svg, bench/results/${base}-errors.svg`,
  ].join('\n');
}
