/**
 * How far a configuration scales, on paper: from each function's sizing (tfvars) and the
 * benchmark's per-instance figures at the deployed CPU share, the instances and database
 * connections a request rate needs, how much of each limit it uses, and the highest rate that
 * breaks none.
 *
 * The rule is Cloud Run's: it runs enough instances to keep them at the target utilisation (60%
 * of what one instance sustains; https://cloud.google.com/run/docs/about-instance-autoscaling).
 * "Sustained" here means that fits within max instances. Past it instances run hotter than the
 * target, up to saturation at 1/0.6 ≈ 1.67 times that rate, where queues grow without bound.
 * Every rate is proportional to the total: each kind of work is a fixed share of it.
 */

/** A function as deployed in one environment. */
export interface FunctionSizing {
  name: string;
  /** HTTP requests, or push deliveries from a Pub/Sub subscription. */
  trigger: 'http' | 'push';
  /** vCPUs per instance: `cpu`, or Cloud Run's default for the memory (0.167 at 256 MiB). */
  vcpu: number;
  memoryGiB: number;
  concurrency: number;
  minInstances: number;
  maxInstances: number;
  /** DB_POOL_MAX: connections one instance may open. */
  poolSize: number;
}

/** Benchmark figures for one kind of work on one instance, at the deployed CPU share. */
export interface WorkFigures {
  /** Completed per second by one saturated instance at the deployed concurrency. */
  throughputPerInstance: number;
  /** Mean arrival-to-answer time on a lightly loaded instance, in ms. */
  meanLatencyMs: number;
}

/** One kind of work a function does, as a share of the total request rate. */
export interface Work {
  kind: string;
  /** Its rate per request/s of total traffic: 0.2 for a 20% write share, 0.2 × 1 event per
   * write for a consumer of those events. */
  perRps: number;
  figures: WorkFigures;
}

/** Everything the capacity model reads. */
export interface CapacityModel {
  functions: { sizing: FunctionSizing; work: Work[] }[];
  database: {
    tier: string;
    /** The max_connections flag, or the tier's default; null when neither is known. */
    maxConnections: number | null;
    /** Connections kept for others: superuser-reserved, migrations, an operator. */
    reservedConnections: number;
  };
  /** Push deliveries one subscription sustains; null: none but its endpoint's capacity. */
  pushDeliveryLimit: number | null;
  /** Cloud Run's utilisation target: 0.6. */
  targetUtilisation: number;
}

/** The limits a load can break. */
export type LimitName = 'max instances' | 'consumer throughput' | 'push delivery' | 'connections';

/** How much of one limit a load uses (above 1: broken). */
export interface LimitUse {
  limit: LimitName;
  /** The function it belongs to; absent for the database's connections. */
  function?: string;
  use: number;
}

/** One function at one load. */
export interface FunctionCapacity {
  name: string;
  /** Requests (or deliveries) per second it receives. */
  rate: number;
  /** Instances' worth of work: Σ rate / throughput per instance. */
  busyInstances: number;
  /** What Cloud Run runs: ⌈busy / target⌉, at least min, at most max instances. */
  instances: number;
  /** Connections its instances hold: instances × min(pool, concurrency). */
  connections: number;
  /** The total request rate at which it needs more than max instances. */
  sustainedRps: number;
}

/** A configuration at one total request rate. */
export interface CapacityReport {
  rps: number;
  functions: FunctionCapacity[];
  database: {
    connections: number;
    /** max_connections less the reserved ones; null when max_connections is unknown. */
    usable: number | null;
    /** If every function ran max instances with full pools. */
    atMaxInstances: number;
  };
  /** Every limit, the most used first: the first one is the first to break. */
  limits: LimitUse[];
}

const connectionsPerInstance = (s: FunctionSizing) => Math.min(s.poolSize, s.concurrency);
// The epsilon keeps an exact fit from rounding up by floating-point noise.
const ceil = (x: number) => Math.ceil(x - 1e-9);

/** Throws a RangeError naming the first input the model cannot use. */
export function checkCapacityModel(model: CapacityModel): void {
  const t = model.targetUtilisation;
  if (!(t > 0 && t <= 1)) throw new RangeError(`targetUtilisation must be in (0, 1], got ${t}`);
  for (const { sizing: s, work } of model.functions) {
    if (!(s.maxInstances >= Math.max(1, s.minInstances)) || !(s.minInstances >= 0)) {
      throw new RangeError(`${s.name}: needs 0 <= min_instances <= max_instances, max >= 1`);
    }
    if (!(s.concurrency >= 1) || !(s.poolSize >= 1) || !(s.vcpu > 0) || !(s.memoryGiB > 0)) {
      throw new RangeError(`${s.name}: concurrency and pool >= 1, vcpu and memory > 0`);
    }
    for (const w of work) {
      if (!(w.perRps >= 0) || !(w.figures.throughputPerInstance > 0)) {
        throw new RangeError(`${s.name} ${w.kind}: needs perRps >= 0 and a throughput > 0`);
      }
      if (!(w.figures.meanLatencyMs > 0)) {
        throw new RangeError(`${s.name} ${w.kind}: needs a mean latency > 0`);
      }
    }
  }
}

/** The configuration at `rps` requests per second in total. */
export function capacityAt(model: CapacityModel, rps: number): CapacityReport {
  checkCapacityModel(model);
  if (!(rps >= 0) || !Number.isFinite(rps)) throw new RangeError(`rps must be >= 0, got ${rps}`);
  const limits: LimitUse[] = [];
  const functions = model.functions.map(({ sizing: s, work }): FunctionCapacity => {
    const rate = work.reduce((sum, w) => sum + w.perRps * rps, 0);
    // Instance-seconds of work per total request: the function's load per unit of rps.
    const perRps = work.reduce((sum, w) => sum + w.perRps / w.figures.throughputPerInstance, 0);
    const busyInstances = perRps * rps;
    const wanted = Math.max(s.minInstances, ceil(busyInstances / model.targetUtilisation));
    const instances = Math.min(s.maxInstances, wanted);
    const atTarget = s.maxInstances * model.targetUtilisation;
    limits.push({
      limit: s.trigger === 'http' ? 'max instances' : 'consumer throughput',
      function: s.name,
      use: busyInstances / atTarget,
    });
    if (s.trigger === 'push' && model.pushDeliveryLimit !== null) {
      limits.push({
        limit: 'push delivery',
        function: s.name,
        use: rate / model.pushDeliveryLimit,
      });
    }
    return {
      name: s.name,
      rate,
      busyInstances,
      instances,
      connections: instances * connectionsPerInstance(s),
      sustainedRps: perRps > 0 ? atTarget / perRps : Infinity,
    };
  });
  const connections = functions.reduce((sum, f) => sum + f.connections, 0);
  const { maxConnections, reservedConnections } = model.database;
  const usable = maxConnections === null ? null : maxConnections - reservedConnections;
  if (usable !== null) limits.push({ limit: 'connections', use: connections / usable });
  const atMaxInstances = model.functions.reduce(
    (sum, { sizing }) => sum + sizing.maxInstances * connectionsPerInstance(sizing),
    0,
  );
  limits.sort((a, b) => b.use - a.use);
  return { rps, functions, database: { connections, usable, atMaxInstances }, limits };
}

/**
 * The highest whole number of requests per second that breaks no limit, and the limit that
 * breaks one request per second above it (or at 0 rps already, when min instances alone hold
 * more connections than there are: then `rps` is 0 and the bottleneck's use is above 1).
 * Every limit's use grows with the rate, so a bisection finds it.
 */
export function maxSustainableRps(model: CapacityModel): { rps: number; bottleneck: LimitUse } {
  const broken = (rps: number) => capacityAt(model, rps).limits[0]?.use ?? 0;
  if (broken(0) > 1) return { rps: 0, bottleneck: capacityAt(model, 0).limits[0]! };
  let ok = 0;
  let bad = 1;
  while (broken(bad) <= 1) {
    ok = bad;
    bad *= 2;
    if (bad > 1e9) throw new RangeError('no limit binds below 10⁹ rps: is there any work?');
  }
  while (bad - ok > 1) {
    const mid = Math.floor((ok + bad) / 2);
    if (broken(mid) <= 1) ok = mid;
    else bad = mid;
  }
  return { rps: ok, bottleneck: capacityAt(model, ok + 1).limits[0]! };
}
