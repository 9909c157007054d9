import { parseArgs } from 'node:util';
import {
  capacityAt,
  maxSustainableRps,
  type CapacityModel,
  type CapacityReport,
  type Work,
} from './capacity';
import { monthlyCost, type CostInputs, type MonthlyCost } from './cost';
import type { DeployedEnvironment } from './deployment-config';
import type { MeasuredFigure, MeasuredFigures } from './measured-figures';
import type { PriceTable } from './prices';

/**
 * `npm run capacity`: its arguments, the capacity model an environment and the measured figures
 * make, and the report it prints. scripts/capacity.ts only wires these to the files.
 */

/** A bad command line: the CLI prints the message and the usage, and exits 2. */
export class UsageError extends Error {}

export const USAGE = `usage: npm run capacity -- [--env <name>] [--rps <n> | --max]
         [--write-share 0.2] [--list-share 0.2] [--log-bytes <n>] [--spike <from>:<to>]
  --env          an environment of terraform/envs/ (default: every one)
  --rps          total requests/s to the people API (without it: --max)
  --max          the highest sustained rps and the limit that breaks first
  --write-share  share of requests that are POST /people, each one event (default 0.2)
  --list-share   share that are GET /people?limit=100 (default 0.2); the rest GET /people/{uuid}
  --log-bytes    Cloud Logging bytes per request (not measured: without it, logging is not priced)
  --spike        simulate a step from <from> to <to> rps on people and write its SVG chart`;

export interface CapacityOptions {
  env?: string;
  rps?: number;
  max: boolean;
  writeShare: number;
  listShare: number;
  logBytes?: number;
  spike?: { fromRps: number; toRps: number };
}

const number = (name: string, text: string, min: number, max = Infinity): number => {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be a number${max === Infinity ? ` >= ${min}` : ` from ${min} to ${max}`}, got "${text}"`,
    );
  }
  return value;
};

/** The options of `argv` (after the script's name), or a UsageError naming what is wrong. */
export function parseCapacityArgs(argv: readonly string[]): CapacityOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        env: { type: 'string' },
        rps: { type: 'string' },
        max: { type: 'boolean', default: false },
        'write-share': { type: 'string', default: '0.2' },
        'list-share': { type: 'string', default: '0.2' },
        'log-bytes': { type: 'string' },
        spike: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const writeShare = number('write-share', values['write-share'], 0, 1);
  const listShare = number('list-share', values['list-share'], 0, 1);
  if (writeShare + listShare > 1) {
    throw new UsageError(
      `--write-share + --list-share must be at most 1, got ${writeShare + listShare}`,
    );
  }
  if (values.rps !== undefined && values.max) throw new UsageError('give --rps or --max, not both');
  let spike: CapacityOptions['spike'];
  if (values.spike !== undefined) {
    const m = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(values.spike);
    if (!m || !(Number(m[2]) > 0)) {
      throw new UsageError(`--spike must be <from>:<to> rps with <to> > 0, got "${values.spike}"`);
    }
    spike = { fromRps: Number(m[1]), toRps: Number(m[2]) };
  }
  if (values.env !== undefined && !/^[a-z0-9-]+$/.test(values.env)) {
    throw new UsageError(
      `--env must be an environment name like "production", got "${values.env}"`,
    );
  }
  return {
    ...(values.env !== undefined ? { env: values.env } : {}),
    ...(values.rps !== undefined ? { rps: number('rps', values.rps, 0) } : {}),
    max: values.max || values.rps === undefined,
    writeShare,
    listShare,
    ...(values['log-bytes'] !== undefined
      ? { logBytes: number('log-bytes', values['log-bytes'], 0) }
      : {}),
    ...(spike ? { spike } : {}),
  };
}

/** The capacity model and cost inputs of an environment under the options' traffic mix. */
export function buildCapacityModel(
  env: DeployedEnvironment,
  figures: MeasuredFigures,
  options: Pick<CapacityOptions, 'writeShare' | 'listShare' | 'logBytes'>,
  prices: PriceTable,
): { model: CapacityModel; inputs: CostInputs } {
  const { writeShare, listShare } = options;
  const work = (kind: string, perRps: number, f: MeasuredFigures['read']): Work => ({
    kind,
    perRps,
    figures: { throughputPerInstance: f.throughput.value, meanLatencyMs: f.latencyMs.value },
  });
  // Who does what per request/s of people traffic: people serves it; each write is one event,
  // pushed to each consumer. stats and health serve their own callers and relay-outbox its
  // ticks (people publishes on the fast path), none of them part of this mix.
  const workOf: Record<string, Work[]> = {
    people: [
      work('GET /people/{uuid}', 1 - writeShare - listShare, figures.read),
      work('GET /people?limit=100', listShare, figures.list),
      work('POST /people', writeShare, figures.write),
    ],
    'project-stats': [work('person event', writeShare, figures.projectStats)],
    'audit-log': [work('person event', writeShare, figures.auditLog)],
  };
  const model: CapacityModel = {
    functions: env.functions.map((f) => ({
      sizing: {
        name: f.name,
        trigger: f.kind === 'http' ? 'http' : 'push',
        vcpu: f.vcpu,
        memoryGiB: f.memoryGiB,
        concurrency: f.concurrency,
        minInstances: f.minInstances,
        maxInstances: f.maxInstances,
        poolSize: f.dbPoolMax,
      },
      work: (workOf[f.name] ?? []).filter((w) => w.perRps > 0),
    })),
    database: {
      tier: env.database.tier,
      maxConnections:
        env.database.maxConnections ??
        prices.cloudSql.defaultMaxConnections[env.database.tier]?.connections ??
        null,
      reservedConnections: env.reservedConnections,
    },
    // Pub/Sub documents no fixed push rate per subscription: its flow control follows the
    // endpoint's answers, so the consumer's own throughput is the limit modelled.
    pushDeliveryLimit: null,
    targetUtilisation: 0.6,
  };
  const consumers = workOf['project-stats'] && workOf['audit-log'] ? 2 : 0;
  const inputs: CostInputs = {
    billing: 'request',
    database: {
      tier: env.database.tier,
      availability: env.database.availability,
      diskGiB: env.database.diskGiB,
    },
    pubsub: {
      publishesPerRps: writeShare,
      deliveriesPerRps: writeShare * consumers,
      // An event is billed at least the table's minimum per request; its own size is not measured.
      messageBytes: prices.pubsub.minimumBytesPerRequest.amount,
    },
    logBytesPerRequest: options.logBytes ?? 0,
  };
  return { model, inputs };
}

const fixed = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (x: number) => `$${fixed(x, 2)}`;
/** The first column and the last (when wider than its width: text) left, the others right. */
const pad = (cells: string[], widths: number[]) =>
  cells
    .map((c, i) =>
      i === 0 || (i === cells.length - 1 && c.length > widths[i]!)
        ? c.padEnd(widths[i]!)
        : c.padStart(widths[i]!),
    )
    .join('  ')
    .trimEnd();

/** The report's tables for one load. */
export function formatLoad(
  env: DeployedEnvironment,
  report: CapacityReport,
  cost: MonthlyCost,
  options: Pick<CapacityOptions, 'writeShare' | 'listShare' | 'logBytes'>,
  prices: PriceTable,
  sustainedRps: number,
): string {
  const lines: string[] = [];
  const readShare = 1 - options.writeShare - options.listShare;
  lines.push(
    `${env.name} at ${fixed(report.rps)} requests/s to people (${fixed(readShare * 100)}% GET by uuid, ${fixed(options.listShare * 100)}% lists, ${fixed(options.writeShare * 100)}% POST) — ${env.tfvars}`,
    '',
  );
  const widths = [14, 10, 6, 14, 12, 4];
  lines.push(
    pad(['function', 'rate/s', 'busy', 'instances', 'connections', 'use of its limit'], widths),
  );
  report.functions.forEach((f, i) => {
    const s = env.functions[i]!;
    const limit = report.limits.find((l) => l.function === f.name && l.limit !== 'push delivery');
    lines.push(
      pad(
        [
          f.name,
          fixed(f.rate, 1),
          fixed(f.busyInstances, 2),
          `${f.instances} (${s.minInstances}..${s.maxInstances})`,
          `${f.connections}`,
          limit ? `${fixed(limit.use * 100)}% ${limit.limit}` : '–',
        ],
        widths,
      ),
    );
  });
  const db = report.database;
  lines.push(
    '',
    `database ${env.database.tier}: ${db.connections} connections in use of ${db.usable ?? 'unknown'} usable` +
      (db.usable === null
        ? ' (max_connections not set and the tier has no default in bench/prices.json)'
        : ` (max_connections ${db.usable + env.reservedConnections} − ${env.reservedConnections} reserved)`) +
      `; ${db.atMaxInstances} if every function ran max_instances`,
  );
  const top = report.limits[0];
  if (top) {
    const where = top.function ? `${top.function}: ${top.limit}` : top.limit;
    lines.push(
      top.use > 1
        ? `broken: ${where} at ${fixed(top.use * 100)}% of its limit`
        : `headroom: up to ${fixed(sustainedRps)} requests/s${report.rps > 0 ? ` (${fixed(sustainedRps / report.rps, 2)}× this load)` : ''}; the most used limit now is ${where} (${fixed(top.use * 100)}%)`,
    );
  }

  lines.push(
    '',
    `monthly cost at this rate held all month (prices of ${prices.read}, bench/prices.json):`,
  );
  const cw = [14, 14, 14, 12, 10];
  lines.push(pad(['Cloud Run', 'vCPU-s', 'GiB-s', 'requests', 'USD'], cw));
  for (const f of cost.cloudRun.functions) {
    lines.push(
      pad([f.name, fixed(f.vcpuSeconds), fixed(f.gibSeconds), fixed(f.requests), usd(f.usd)], cw),
    );
  }
  lines.push(
    pad(['free tier', '', '', '', `−${usd(cost.cloudRun.freeTierUsd)}`], cw),
    `Cloud SQL (${env.database.tier}, ${env.database.availability}, ${env.database.diskGiB} GB): ${usd(cost.cloudSqlUsd)}`,
    `Pub/Sub: ${fixed(cost.pubsub.gib, 1)} GiB billed, ${usd(cost.pubsub.usd)}`,
    options.logBytes === undefined
      ? 'Cloud Logging: not priced (bytes per request not measured; pass --log-bytes)'
      : `Cloud Logging: ${fixed(cost.logging.gib, 1)} GiB at ${options.logBytes} bytes/request (given), ${usd(cost.logging.usd)}`,
    `total of the priced lines: ${usd(cost.pricedUsd)}/month`,
  );
  if (cost.unpriced.length) {
    lines.push(`not priced (no price in bench/prices.json): ${cost.unpriced.join('; ')}`);
  }
  return lines.join('\n');
}

/** Where each number the model used came from. */
export function formatSources(figures: MeasuredFigures, env: string): string {
  const line = (what: string, f: MeasuredFigure, unit: string) =>
    `  ${what}: ${fixed(f.value, f.value < 10 ? 1 : 0)} ${unit} from "${f.from}"${
      f.deployedShare ? '' : ` (full CPU: no figure at ${env}'s CPU share in the results)`
    }`;
  return [
    'figures (bench/results/latest.json):',
    line('GET /people/{uuid} per instance', figures.read.throughput, 'req/s'),
    line('GET /people/{uuid} p50 (as mean)', figures.read.latencyMs, 'ms'),
    line('GET /people?limit=100 per instance', figures.list.throughput, 'req/s'),
    line('GET /people?limit=100 p50 (as mean)', figures.list.latencyMs, 'ms'),
    line('POST /people per instance', figures.write.throughput, 'req/s'),
    line('POST /people p50 (as mean)', figures.write.latencyMs, 'ms'),
    line('project-stats per instance', figures.projectStats.throughput, 'events/s'),
    line('audit-log per instance', figures.auditLog.throughput, 'deliveries/s'),
    line('people cold start, median', figures.coldStart.medianMs, 'ms'),
  ].join('\n');
}

/** The whole answer for one environment. */
export function capacityAnswer(
  env: DeployedEnvironment,
  figures: MeasuredFigures,
  options: CapacityOptions,
  prices: PriceTable,
): string {
  const { model, inputs } = buildCapacityModel(env, figures, options, prices);
  const parts: string[] = [];
  let rps = options.rps ?? 0;
  const best = maxSustainableRps(model);
  if (options.max) {
    const b = best.bottleneck;
    parts.push(
      `${env.name}: highest sustained rate ${fixed(best.rps)} requests/s; bottleneck ${
        b.function ? `${b.function}: ${b.limit}` : `database ${b.limit}`
      }`,
    );
    rps = best.rps;
  }
  const report = capacityAt(model, rps);
  parts.push(
    formatLoad(env, report, monthlyCost(model, inputs, rps, prices), options, prices, best.rps),
  );
  parts.push(formatSources(figures, env.name));
  return parts.join('\n\n');
}
