import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchContext } from './run';
import { benchDatabase } from './lib/database';
import { figure, type Figure } from './lib/figures';
import { freePort, ROOT, startChild } from '../test/support/processes';
import { cgroupsUnavailable } from '../test/support/cgroups';
import { vcpuShare } from '../shared/deploy/sizing';
import { PIPELINE, writesThroughThrottledPipeline } from '../test/support/throttled-pipeline';
import { until } from '../test/support/until';
import { tfvarsSizing } from './lib/functions';

const run = promisify(execFile);

/** The consumer worker (bench/lib/consumer-worker.ts) in its own process; its JSON result. */
async function consumerRates(url: string, events: number, concurrency: number, rounds: number) {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      'bench/lib/consumer-worker.ts',
      String(events),
      String(concurrency),
      String(rounds),
    ],
    { cwd: ROOT, env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' } },
  );
  type Cpu = { nodeUs: number; serverUs: number };
  return JSON.parse(stdout) as {
    bare: number;
    consumer: number;
    ratios: number[];
    cpu: { bare: Cpu; consumer: Cpu };
  };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/**
 * HTTP write to `/stats` showing it, end to end, as a user sees it: `npm start` (here with
 * node and tsx's loader, as `npm start` runs it) on its own fresh database, then POST a person
 * and poll `/stats` until its total counts the new passenger, one write at a time.
 */
async function endToEnd(samples: number, env: Record<string, string>) {
  const db = await benchDatabase('manifest_bench_e2e');
  const port = await freePort();
  const stack = startChild(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    PORT: String(port),
    DATABASE_URL: db.url,
    LOG_LEVEL: 'warn',
    ...env,
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(
      'the local stack to serve /health',
      async () => {
        if (stack.process.exitCode !== null) throw new Error(`the stack exited: ${stack.output()}`);
        return fetch(`${base}/health`).then(
          (res) => res.ok,
          () => false,
        );
      },
      60000,
    );
    const total = async () =>
      ((await (await fetch(`${base}/stats`)).json()) as { total: { passengers: number } }).total
        .passengers;
    const latencies: number[] = [];
    for (let i = 0; i < samples + 2; i++) {
      const before = await total();
      const started = performance.now();
      const res = await fetch(`${base}/people`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          passengerClass: 1 + (i % 3),
          name: `Mx. End To End ${i}`,
          sex: 'other',
          age: 40.5,
          siblingsOrSpousesAboard: 0,
          parentsOrChildrenAboard: 0,
          fare: 30,
        }),
      });
      if (res.status !== 201) throw new Error(`POST /people answered ${res.status}`);
      // Polled every 5 ms (not until()'s 50), so the figure is the pipeline's, not the poll's.
      while ((await total()) !== before + 1) {
        if (performance.now() - started > 30000)
          throw new Error('the write never showed in /stats');
        await new Promise((r) => setTimeout(r, 5));
      }
      // The first two warm the path (validators, pools, the subscription's first push).
      if (i >= 2) latencies.push(performance.now() - started);
    }
    return latencies.sort((a, b) => a - b);
  } finally {
    await stack.stop();
    await db.drop();
  }
}

/**
 * HTTP write to `/stats` showing it, as deployed: people, project-stats and stats, each its
 * bundle in its own process behind the throttled harness (CPU only while a request is in
 * flight, and the CPU share `ctx.environment`'s tfvars give it where cgroups allow), the
 * emulator pushing to project-stats: the scenario of events-throttled.test.ts. Per write, from
 * sending it until GET /stats answers with it counted, once project-stats has had its push.
 */
async function throttledEndToEnd(ctx: BenchContext, samples: number) {
  const db = await benchDatabase('manifest_bench_e2e');
  const sizing = await tfvarsSizing(ctx.environment);
  const noQuota = cgroupsUnavailable();
  const cpu = noQuota
    ? undefined
    : Object.fromEntries(PIPELINE.map((name) => [name, vcpuShare(sizing(name))]));
  try {
    const run = await writesThroughThrottledPipeline({
      emulator: {
        host: ctx.eventsEnv.PUBSUB_EMULATOR_HOST!,
        // A project of its own on the shared emulator: its own topic and subscription.
        project: `${ctx.eventsEnv.GOOGLE_CLOUD_PROJECT}-e2e`,
      },
      sources: Object.fromEntries(PIPELINE.map((name) => [name, `dist/functions/${name}`])) as {
        [name in (typeof PIPELINE)[number]]: string;
      },
      databaseUrl: db.url,
      // The first two warm the path (each function's first request, the client's first publish).
      count: samples + 2,
      ...(cpu ? { cpu } : {}),
    });
    const latencies = run.writes
      .slice(2)
      .map((w) => w.visibleMs)
      .sort((a, b) => a - b);
    const shares = cpu
      ? `${PIPELINE.map((name) => `${name} ${cpu[name]}`).join(', ')} vCPU (terraform/envs/${ctx.environment}.tfvars)`
      : `full CPU (no cgroups: ${noQuota})`;
    return { latencies, shares };
  } finally {
    await db.drop();
  }
}

/**
 * Events: throughput through the project-stats consumer in-process, against a bare INSERT per
 * event on the same pool; and HTTP write to read model, end to end: as deployed, through the
 * throttled harness with the real emulator (and with the in-process bus of `npm start`, for
 * comparison).
 */
export async function eventsBench(ctx: BenchContext): Promise<Figure[]> {
  // Per side per round; rounds odd, so the median pair is one measured pair.
  const events = ctx.quick ? 1000 : 5000;
  const rounds = ctx.quick ? 3 : 7;
  const figures: Figure[] = [];
  for (const concurrency of ctx.quick ? [2] : [2, 8]) {
    const { bare, consumer, ratios, cpu } = await consumerRates(
      ctx.db.url,
      events,
      concurrency,
      rounds,
    );
    const spread = [...ratios].sort((a, b) => a - b);
    const us = (c: { nodeUs: number; serverUs: number }) =>
      `${Math.round(c.nodeUs + c.serverUs)} (node ${Math.round(c.nodeUs)}, PostgreSQL ${Math.round(c.serverUs)})`;
    figures.push(
      figure({
        name: `events/s through project-stats, ${concurrency} at a time (in-process)`,
        value: consumer,
        unit: 'events/s',
        baseline: { name: 'a bare INSERT per event', value: bare },
        target: { on: 'ratio', op: '>=', limit: 0.5 },
        notes: `${events.toLocaleString('en-US')} person.created events per side, ${rounds} rounds alternating the order; the pair with the median ratio (ratios ${spread[0]!.toFixed(2)} to ${spread.at(-1)!.toFixed(2)}); CPU µs per event, median of the rounds: ${us(cpu.consumer)} against ${us(cpu.bare)}; decode, validate, dedup record and projection in one named statement${concurrency === 2 ? '; 2 at a time as the emulator pushes' : ''}`,
      }),
    );
  }

  const samples = ctx.quick ? 5 : 30;
  // The in-process bus is the comparison, not a target: a stack less to start in --quick.
  if (!ctx.quick) {
    const latencies = await endToEnd(samples, {});
    figures.push(
      figure({
        name: 'HTTP write to /stats visible, in-process bus (p50)',
        value: percentile(latencies, 50),
        unit: 'ms',
        notes: `p95 ${Math.round(percentile(latencies, 95))} ms, max ${Math.round(latencies.at(-1)!)} ms over ${samples} writes; npm start on PostgreSQL`,
      }),
    );
  }
  if (!ctx.eventsEnv.PUBSUB_EMULATOR_HOST) {
    process.stderr.write(`bench: write to /stats visible skipped: ${ctx.noEmulator}\n`);
  } else {
    const { latencies, shares } = await throttledEndToEnd(ctx, samples);
    figures.push(
      figure({
        name: 'HTTP write to /stats visible, throttled functions and Pub/Sub emulator (p50)',
        value: percentile(latencies, 50),
        unit: 'ms',
        notes: `p95 ${Math.round(percentile(latencies, 95))} ms, max ${Math.round(latencies.at(-1)!)} ms over ${samples} writes; people, project-stats, stats each its bundle in its own process, CPU only while a request is in flight, at ${shares}; emulator push; PostgreSQL`,
      }),
    );
  }
  return figures;
}
