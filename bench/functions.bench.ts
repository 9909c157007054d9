import { existsSync } from 'node:fs';
import * as nodeModule from 'node:module';
import type { BenchContext } from './run';
import { deployments } from '../shared/deploy/functions';
import { figure, type Figure } from './lib/figures';
import { cgroupsUnavailable } from '../test/support/cgroups';
import { launchFunction } from '../test/support/launcher';
import { DEFAULT_MEMORY, vcpuShare, type Sizing } from '../shared/deploy/sizing';
import { startThrottled } from '../test/support/throttled';
import { benchDatabase } from './lib/database';
import {
  bundleKiB,
  firstAnswerProbe,
  STOCK_BASELINES,
  tfvarsSizing,
  writeCompileCaches,
} from './lib/functions';
import { NODE22, NODE22_BINARY } from '../scripts/fetch-node22';
import { load } from './lib/load';
import { personCreated } from './lib/push';

/**
 * Milliseconds from spawning the process to its first 2xx answer to `probe`; with `cpu`, behind
 * the throttled harness, capped at that many vCPUs from its first instruction.
 */
async function coldStart(
  name: string,
  source: string,
  env: Record<string, string>,
  probe: { path: string; init?: RequestInit },
  cpu?: number,
  node?: Runtime,
): Promise<number> {
  // The baselines (hello, hello-db) are stock: no compile cache.
  if (!STOCK_BASELINES.has(name)) node?.restoreCache?.(name);
  const options = {
    name,
    source,
    node: node?.binary,
    sizing: node?.sizing(name),
    env: { LOG_LEVEL: 'warn', ...env },
    ready: probe,
    probeEveryMs: 5,
  };
  const fn =
    cpu === undefined ? await launchFunction(options) : await startThrottled({ ...options, cpu });
  await fn.stop();
  return fn.coldStartMs;
}

/** A sizing as the figures name it: its memory and CPU, saying which are Terraform's defaults. */
const describeSizing = ({ memory, cpu }: Sizing) =>
  `memory ${memory ?? `${DEFAULT_MEMORY} (default)`}, cpu ${cpu ?? "Cloud Run's default for it"}`;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
};

/**
 * Per function bundle: the cold start (process spawn to first successful answer, median of 10,
 * against the stock functions-framework serving a hello function, alternated run by run so
 * both see the same machine), at full CPU and at the CPU share the function has in
 * `ctx.environment`'s tfvars (the throttled harness's cgroup quota, hello at the same share),
 * each function with the Node flags of its memory there; on the machine's Node (the
 * benchmark's own) and, when fetched (npm run fetch:node22), on Node 22, the cloud's runtime,
 * with each bundle's compile cache as the image's build writes it (hello on the same Node,
 * stock: none); and the peak RSS under load.
 */
export async function functionsBench(ctx: BenchContext): Promise<Figure[]> {
  // A database of its own, as a new deployment's: in the shared one, the http bench's writes
  // (tens of thousands of outbox rows it leaves pending, having no broker) made relay-outbox's
  // first probe a drain of that backlog, up to its 50 s budget (the 626 to 7,703 ms range).
  const db = await benchDatabase('manifest_bench_functions');
  try {
    return await measureFunctions(ctx, db.url);
  } finally {
    await db.drop();
  }
}

/**
 * A Node.js the cold starts run on: the machine's (the benchmark's own, Node 20 here) or Node 22,
 * the cloud's, with each bundle's compile cache as the image's build writes it.
 */
interface Runtime {
  title: string;
  binary: string;
  /** The sizing whose Node flags a function runs with (its memory in the tfvars). */
  sizing(name: string): Sizing;
  restoreCache?: (name: string) => void;
}

async function measureFunctions(ctx: BenchContext, databaseUrl: string): Promise<Figure[]> {
  const names = deployments.map((d) => d.name);
  const sizing = await tfvarsSizing(ctx.environment);
  const memoryOf = (name: string): Sizing => ({ memory: sizing(name).memory });
  // The image's build step on this Node too: Node 20 has no compile cache, but the bundle's own
  // code cache (shared/runtime/code-cache.ts) is written and read on any Node.
  const figures = await coldStarts(ctx, databaseUrl, names, sizing, {
    title: `Node ${process.version}, the machine's, with the image build's caches${'enableCompileCache' in nodeModule ? '' : ' (this Node reads the code cache only)'}`,
    binary: process.execPath,
    sizing: memoryOf,
    restoreCache: writeCompileCaches(process.execPath, names),
  });
  if (!existsSync(NODE22_BINARY))
    process.stderr.write(
      `bench: cold starts on Node ${NODE22.version} skipped: no ${NODE22_BINARY} (npm run fetch:node22)\n`,
    );
  else
    figures.push(
      ...(await coldStarts(ctx, databaseUrl, names, sizing, {
        title: `Node ${NODE22.version}, the cloud's, with the compile and code caches`,
        binary: NODE22_BINARY,
        sizing: memoryOf,
        restoreCache: writeCompileCaches(NODE22_BINARY, names),
      })),
    );
  figures.push(...(await peakRss(ctx, databaseUrl, names)));
  return figures;
}

async function coldStarts(
  ctx: BenchContext,
  databaseUrl: string,
  names: string[],
  sizing: (name: string) => Sizing,
  node: Runtime,
): Promise<Figure[]> {
  const runs = ctx.quick ? 1 : 10;
  const env = { DATABASE_URL: databaseUrl, DB_POOL_MAX: '5', ...ctx.eventsEnv };
  const figures: Figure[] = [];
  const onNode22 = node.binary !== process.execPath;
  const label = onNode22 ? ` on Node ${NODE22.version}` : '';
  const share = new Map(names.map((name) => [name, vcpuShare(sizing(name))]));
  const noQuota = cgroupsUnavailable();
  if (noQuota)
    process.stderr.write(`bench: cold starts at the deployed CPU share skipped: ${noQuota}\n`);

  const hello: number[] = [];
  const helloAt = new Map([...new Set(share.values())].map((cpu) => [cpu, [] as number[]]));
  const helloDb: number[] = [];
  const helloDbAt = new Map([...helloAt.keys()].map((cpu) => [cpu, [] as number[]]));
  const cold = new Map<string, number[]>(names.map((n) => [n, []]));
  const coldAtShare = new Map<string, number[]>(names.map((n) => [n, []]));
  // hello is the stock framework on the same Node: no compile cache, Terraform's default flags.
  const stockCold = (name: string, env: Record<string, string>, cpu?: number) =>
    coldStart(name, STOCK_BASELINES.get(name)!, env, firstAnswerProbe(name), cpu, {
      ...node,
      sizing: () => ({}),
    });
  const helloCold = (cpu?: number) => stockCold('hello', {}, cpu);
  // The floor of a function whose first answer needs the database (report, no target).
  const helloDbCold = (cpu?: number) => stockCold('hello-db', env, cpu);
  const functionCold = (name: string, cpu?: number) =>
    coldStart(name, `dist/functions/${name}`, env, firstAnswerProbe(name), cpu, node);
  for (let run = 0; run < runs; run++) {
    hello.push(await helloCold());
    helloDb.push(await helloDbCold());
    for (const name of names) cold.get(name)!.push(await functionCold(name));
    if (noQuota) continue;
    for (const [cpu, times] of helloAt) times.push(await helloCold(cpu));
    for (const [cpu, times] of helloDbAt) times.push(await helloDbCold(cpu));
    for (const name of names)
      coldAtShare.get(name)!.push(await functionCold(name, share.get(name)));
  }
  const overFloor = (value: number, floor: number[]) =>
    `${(value / median(floor)).toFixed(2)}× the stock framework, knex and pg answering one query (${Math.round(median(floor))} ms)`;
  figures.push(
    figure({
      name: `cold start${label}: stock functions-framework, knex and pg answering one query (median of ${runs})`,
      value: median(helloDb),
      unit: 'ms',
      baseline: { name: 'stock functions-framework, hello', value: median(hello) },
      notes: `report: the floor of a function whose first answer needs the database (bench/baselines/hello-db.js: knex over pg, a pool of one, SELECT 1, bundled as ours are), as each of ours does; ${node.title}; range ${Math.round(Math.min(...helloDb))} to ${Math.round(Math.max(...helloDb))} ms${noQuota ? '' : `; at ${[...helloDbAt].map(([cpu, times]) => `${cpu} vCPU ${Math.round(median(times))} ms (hello ${Math.round(median(helloAt.get(cpu)!))} ms)`).join(', ')}`}`,
    }),
  );
  for (const name of names) {
    const times = cold.get(name)!;
    figures.push(
      figure({
        name: `cold start${label}: ${name} (median of ${runs})`,
        value: median(times),
        unit: 'ms',
        baseline: { name: 'stock functions-framework, hello', value: median(hello) },
        target: { on: 'ratio', op: '<=', limit: 1.3 },
        notes: `${node.title}; ${overFloor(median(times), helloDb)}; bundle ${Math.round(bundleKiB(name))} KiB; range ${Math.round(Math.min(...times))} to ${Math.round(Math.max(...times))} ms; spawn to first 2xx of ${firstAnswerProbe(name).path}`,
      }),
    );
  }
  if (!noQuota)
    for (const name of names) {
      const cpu = share.get(name)!;
      const times = coldAtShare.get(name)!;
      figures.push(
        figure({
          name: `cold start${label} at ${ctx.environment}'s CPU share: ${name}, ${cpu} vCPU (median of ${runs})`,
          value: median(times),
          unit: 'ms',
          baseline: {
            name: `stock functions-framework, hello, at ${cpu} vCPU`,
            value: median(helloAt.get(cpu)!),
          },
          target: { on: 'ratio', op: '<=', limit: 1.3 },
          notes: `${node.title}; ${overFloor(median(times), helloDbAt.get(cpu)!)}; ${describeSizing(sizing(name))} in terraform/envs/${ctx.environment}.tfvars; full CPU ${Math.round(median(cold.get(name)!))} ms (hello ${Math.round(median(hello))} ms); range ${Math.round(Math.min(...times))} to ${Math.round(Math.max(...times))} ms; spawn to first 2xx through the throttled harness (cgroup cpu quota)`,
        }),
      );
    }
  return figures;
}

/** Peak RSS under load (people's is measured with its throughput in http.bench.ts). */
async function peakRss(ctx: BenchContext, databaseUrl: string, names: string[]): Promise<Figure[]> {
  const env = { DATABASE_URL: databaseUrl, DB_POOL_MAX: '5', ...ctx.eventsEnv };
  const figures: Figure[] = [];
  // The functions start side by side, then take their load one at a time.
  const seconds = ctx.quick ? 1 : 8;
  const measured = names.filter((n) => n !== 'people');
  const starts = await Promise.allSettled(
    measured.map((name) => {
      const probe = firstAnswerProbe(name);
      return launchFunction({
        name,
        env: { ...env, LOG_LEVEL: 'info' },
        ready: probe.init ? 'serving' : { path: probe.path },
      });
    }),
  );
  const running = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = starts.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    for (const fn of running) {
      const probe = firstAnswerProbe(fn.name);
      const result = await load({
        url: `${fn.url}${probe.path}`,
        seconds,
        connections: 16,
        ...(probe.init
          ? {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              pushEvent: personCreated(),
            }
          : {}),
      });
      figures.push(
        figure({
          name: `${fn.name}: peak RSS under load`,
          value: fn.peakMiB(),
          unit: 'MiB',
          target: { on: 'value', op: '<', limit: 192 },
          notes: `${Math.round(result.requestsPerSecond)} req/s for ${seconds} s, 16 connections (${probe.init ? 'push deliveries' : `GET ${probe.path}`})`,
        }),
      );
    }
  } finally {
    await Promise.all(running.map((fn) => fn.stop()));
  }
  return figures;
}
