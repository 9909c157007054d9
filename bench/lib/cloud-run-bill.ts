import type { FunctionCapacity, CapacityModel } from './capacity';
import { priced, type PriceTable } from './prices';

/**
 * One function's Cloud Run bill for a month at a steady load: vCPU-seconds, GiB-seconds and
 * requests, under request-based billing (the default: CPU allocated only while requests run;
 * https://cloud.google.com/run/docs/configuring/billing-settings) or instance-based billing
 * (every instance's whole life).
 */

/** 730 hours (365 × 24 / 12), in seconds. */
export const SECONDS_PER_MONTH = 730 * 3600;

/** One function's share of the Cloud Run bill. */
export interface FunctionCost {
  name: string;
  vcpuSeconds: number;
  gibSeconds: number;
  requests: number;
  /** Minimum instances' idle time (request-based billing only). */
  idleInstanceSeconds: number;
  /** Of the priced lines, before the free tier (see `unpriced` for the rest). */
  usd: number;
}

/**
 * Billable instance-seconds per second of one instance under request-based billing: the time
 * it has a request in flight, each such busy period rounded up to the billing granularity.
 * Busy periods follow M/M/1 (concurrency 1: rate λ(1 − ρ), mean length S/(1 − ρ)) or, with
 * concurrency, M/M/∞ (P(busy) = 1 − e^{−m}, rate λ·e^{−m}); a period of mean length B is
 * billed about max(g, B + g/2). An approximation, stated as one.
 */
export function billableFraction(
  arrivalsPerSecond: number,
  meanLatencySeconds: number,
  concurrency: number,
  granularitySeconds: number,
): number {
  const load = arrivalsPerSecond * meanLatencySeconds;
  if (load === 0) return 0;
  const busy = concurrency === 1 ? Math.min(load, 1) : 1 - Math.exp(-load);
  if (busy >= 1) return 1;
  const periods =
    concurrency === 1 ? arrivalsPerSecond * (1 - busy) : arrivalsPerSecond * Math.exp(-load);
  const meanPeriod = busy / periods;
  const billed = Math.max(granularitySeconds, meanPeriod + granularitySeconds / 2);
  return Math.min(1, periods * billed);
}

/** One function's month; what the table has no price for is named in `unpriced`. */
export function functionCost(
  { sizing, work }: CapacityModel['functions'][number],
  capacity: FunctionCapacity,
  rps: number,
  billing: 'request' | 'instance',
  prices: PriceTable,
  unpriced: string[],
): FunctionCost {
  const run = prices.cloudRun;
  const rates = billing === 'request' ? run.requestBased : run.instanceBased;
  const granularity = run.billingGranularityMs.amount / 1000;
  const { instances, rate } = capacity;
  const latency = rate
    ? work.reduce((s, w) => s + w.perRps * rps * w.figures.meanLatencyMs, 0) / rate / 1000
    : 0;
  const perInstance = instances ? rate / instances : 0;
  const billed =
    billing === 'instance'
      ? instances
      : instances * billableFraction(perInstance, latency, sizing.concurrency, granularity);
  const idle = billing === 'request' ? Math.max(0, sizing.minInstances - billed) : 0;
  const month = (x: number) => x * SECONDS_PER_MONTH;
  const cost = {
    name: sizing.name,
    vcpuSeconds: month(billed * sizing.vcpu),
    gibSeconds: month(billed * sizing.memoryGiB),
    requests: billing === 'request' ? month(rate) : 0,
    idleInstanceSeconds: month(idle),
  };
  const lines = [
    priced(rates.vcpuSecond, cost.vcpuSeconds, `Cloud Run vCPU (${billing}-based)`, unpriced),
    priced(rates.gibSecond, cost.gibSeconds, `Cloud Run memory (${billing}-based)`, unpriced),
    priced(run.requestBased.millionRequests, cost.requests / 1e6, 'Cloud Run requests', unpriced),
    priced(
      run.requestBased.idleMinInstanceVcpuSecond,
      month(idle * sizing.vcpu),
      'idle min instances (vCPU)',
      unpriced,
    ),
    priced(
      run.requestBased.idleMinInstanceGibSecond,
      month(idle * sizing.memoryGiB),
      'idle min instances (memory)',
      unpriced,
    ),
  ];
  return { ...cost, usd: lines.reduce((sum, l) => sum + l, 0) };
}

/**
 * What the free tier takes off the month: per billing account, listed for request-based
 * billing only, applied at the price of each resource.
 */
export function freeTier(functions: readonly FunctionCost[], prices: PriceTable): number {
  const run = prices.cloudRun;
  const rates = run.requestBased;
  const total = (key: 'vcpuSeconds' | 'gibSeconds' | 'requests') =>
    functions.reduce((s, f) => s + f[key], 0);
  const free = run.freeTierPerMonth;
  return (
    Math.min(total('vcpuSeconds'), free.vcpuSeconds.amount) * (rates.vcpuSecond.usd ?? 0) +
    Math.min(total('gibSeconds'), free.gibSeconds.amount) * (rates.gibSecond.usd ?? 0) +
    (Math.min(total('requests'), free.requests.amount) / 1e6) * (rates.millionRequests.usd ?? 0)
  );
}
