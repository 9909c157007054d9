import { randomBytes } from 'node:crypto';
import type { BenchContext } from './run';
import { encodeCursor } from '../shared/people/cursor';
import { figure, type Figure } from './lib/figures';
import { ensureImportedRows } from './import.bench';
import { launchFunction } from '../test/support/launcher';
import { freePort, memoryMiB, onCpus, startChild } from '../test/support/processes';
import { cgroupsUnavailable } from '../test/support/cgroups';
import { vcpuShare } from '../shared/deploy/sizing';
import { startThrottled } from '../test/support/throttled';
import { deployedNode, FRAMEWORK_BASELINE, tfvarsSizing, type NodeBinary } from './lib/functions';
import { load, type LoadOptions, type LoadResult } from './lib/load';
import { requestsPerCpuSecond, servedLoad, type ServedLoad } from './lib/served-load';
import { BENCH_PERSON, mixedTraffic } from './lib/mix';
import {
  alternateRounds,
  describeRatios,
  pairedMedian,
  type PairedMedian,
} from './lib/paired-rounds';
import { cpuPlacementUnavailable, placeOnCpus, type CpuPlacement } from './lib/cpu-placement';

const PERSON = JSON.stringify(BENCH_PERSON);
// Writes carry an API key, as in production, which refuses to start without API_KEYS; the
// baselines, which check none, are sent the same header. A key of this run only.
const API_KEY = randomBytes(24).toString('base64url');
const JSON_HEADERS = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
const ms = (r: LoadResult) => `p50 ${r.p50} ms, p99 ${r.p99} ms`;

/** POSTs of one person to `${url}/people` for `seconds`, `connections` at a time. */
function posts(url: string, seconds: number, connections: number): LoadOptions {
  return {
    url: `${url}/people`,
    method: 'POST',
    body: PERSON,
    headers: JSON_HEADERS,
    seconds,
    connections,
  };
}
const loadPosts = (url: string, seconds: number, connections: number) =>
  load(posts(url, seconds, connections));

/**
 * The GET and POST comparisons with the framework run many short rounds: every server once per
 * round for COMPARED_SECONDS (the order rotated), and a figure is its pair's median round
 * (paired-rounds.ts). This machine's host has slow spells of a few seconds in which the same
 * work costs up to twice the CPU (the same bundle, minutes apart: 380 to 783 µs per GET), none
 * of it shown as steal time. In five rounds of 5 s (each after 2 s of warm-up) a spell fell in
 * one server's run of a pair and moved that round, and the median of five moved with it (one
 * run's GET rounds by CPU 0.81 to 0.91). Twenty rounds of 2 s, ours against the framework on a
 * core alone (2026-12-03 18:12): the middle half of the rounds 0.875 to 0.903 of the
 * framework's CPU per GET. Short rounds also keep each server's idle spell (the other servers'
 * runs) under the ~8 s after which V8's memory reducer gives its heap back (README, "Why an
 * idle instance is slower at first"): the 2 s warm-up every run needed before is not needed.
 */
const COMPARED_ROUNDS = 16;
const COMPARED_SECONDS = 2;

/** The bare node:http baseline (bench/baselines/bare-people.ts), on the same pool settings. */
async function startBare(
  node: string,
  env: Record<string, string | undefined>,
  cpus: string | undefined,
) {
  const port = await freePort();
  const [command, ...args] = onCpus(cpus, [
    node,
    '--import',
    'tsx',
    'bench/baselines/bare-people.ts',
  ]);
  const bare = startChild(command!, args, { ...env, PORT: String(port) });
  await bare.waitFor(/listening/);
  return { url: `http://127.0.0.1:${port}`, pid: bare.pid, stop: () => bare.stop() };
}

/**
 * The people function as deployed (its bundle under the stock functions-framework CLI), against
 * a bare node:http server doing the same query on the same pool: GET by uuid, the first list
 * page against one 90% deep, POST with its outbox row against the same insert without (no
 * broker, so this is the outbox's own cost; publishing to the emulator is reported apart), and
 * the function's peak RSS under that load. Every server runs on the cloud's Node (deployedNode).
 */
export async function httpBench(ctx: BenchContext): Promise<Figure[]> {
  // The rows the import bench leaves; loaded here when it did not run (--only=http), on every
  // core: the load is not what is measured.
  const rows = await ensureImportedRows(ctx);
  const unavailable = cpuPlacementUnavailable();
  if (unavailable)
    process.stderr.write(
      `bench: the servers measured share their cores with the load: ${unavailable}\n`,
    );
  const placement = unavailable ? undefined : placeOnCpus();
  try {
    return await httpFigures(ctx, rows, placement);
  } finally {
    placement?.restore();
  }
}

/** httpBench's figures, each server on `placement`'s server CPU (when there is one). */
async function httpFigures(
  ctx: BenchContext,
  rows: number,
  placement: CpuPlacement | undefined,
): Promise<Figure[]> {
  const seconds = ctx.quick ? 2 : 5;
  const pageSeconds = ctx.quick ? 1 : 5;
  const mixSeconds = ctx.quick ? 2 : 8;
  const connections = 16;
  const env = {
    DATABASE_URL: ctx.db.url,
    LOG_LEVEL: 'info',
    DB_POOL_MAX: '5',
    API_KEYS: `bench=${API_KEY}`,
  };
  // Each server on the Node the cloud runs, as deployed.
  const node = deployedNode();
  const cpus = placement?.server;
  const where = placement?.where ?? 'servers, load and PostgreSQL on the same cores';
  const sample = await ctx.db.knex.raw('SELECT id FROM person TABLESAMPLE SYSTEM (1) LIMIT 2000');
  const ids: string[] = sample.rows.map((r: { id: string }) => r.id);
  const paths = ids.map((id) => `/people/${id}`);
  const deepIndex = Math.floor(rows * 0.9);
  const { rows: deepRows } = await ctx.db.knex.raw(
    'SELECT id FROM person ORDER BY id OFFSET ? LIMIT 1',
    [deepIndex - 1],
  );
  const deepPath = `/people?limit=100&cursor=${encodeCursor(deepRows[0].id)}`;

  const [people, floor, bare] = await Promise.all([
    launchFunction({
      name: 'people',
      node: node.binary,
      env,
      cpus,
      ready: { path: '/people?limit=1' },
    }),
    launchFunction({
      name: 'people',
      node: node.binary,
      source: FRAMEWORK_BASELINE,
      env,
      cpus,
      ready: { path: paths[0]! },
    }),
    startBare(node.binary, env, cpus),
  ]);
  // A measured run of a compared server: its requests/s and its own CPU per request.
  type Server = { url: string; pid: number };
  const post = ({ url, pid }: Server) => servedLoad(pid, posts(url, COMPARED_SECONDS, connections));
  // Each round runs the servers back to back and gives each pair a ratio of its own; a figure
  // is its pair's median round (paired-rounds.ts): this machine's neighbours come and go, and a
  // slow moment then moves one round, not the figure. The GET and POST comparisons run more,
  // shorter rounds (COMPARED_ROUNDS).
  const rounds = ctx.quick ? 1 : 5;
  const compared = ctx.quick ? 1 : COMPARED_ROUNDS;
  const warmSeconds = ctx.quick ? 1 : 2;
  const rps = (r: LoadResult) => r.requestsPerSecond;
  let results;
  try {
    const servers = [people, floor, bare];
    for (const { url } of servers) await load({ url, paths, connections, seconds: warmSeconds });
    const get =
      ({ url, pid }: Server) =>
      () =>
        servedLoad(pid, { url, paths, seconds: COMPARED_SECONDS, connections });
    const [getFn, getFloor, getBare] = await alternateRounds(
      [get(people), get(floor), get(bare)],
      compared,
    );
    const [first, deep] = await alternateRounds(
      [
        () => load({ url: `${people.url}/people?limit=100`, seconds: pageSeconds, connections: 8 }),
        () => load({ url: `${people.url}${deepPath}`, seconds: pageSeconds, connections: 8 }),
      ],
      rounds,
    );
    // Idle through the list pages' rounds: each server warm again before its POST rounds.
    for (const { url } of servers) await loadPosts(url, warmSeconds, connections);
    const [postFn, postFloor, postBare] = await alternateRounds(
      [() => post(people), () => post(floor), () => post(bare)],
      compared,
    );
    // Mixed traffic (reads, lists, writes; the load test's mix) after a warm-up, at 16 and at
    // 64 connections on the same 5-connection pool: whether throughput holds as concurrency
    // quadruples (requests queue for the pool instead of failing), and whether memory stays
    // flat. The load test asserts the correctness of the same run shape; these are its figures.
    const mix = mixedTraffic(ids, JSON_HEADERS);
    const mixed = (connections: number, seconds: number) => () =>
      load({ url: people.url, mix, connections, seconds });
    await mixed(64, ctx.quick ? 2 : 10)();
    const pid = people.pid;
    const rssAfterWarmUp = memoryMiB(pid)!.rss;
    const [mixed16, mixed64] = await alternateRounds(
      [mixed(16, mixSeconds), mixed(64, mixSeconds)],
      rounds,
    );
    const rssAtEnd = memoryMiB(pid)!.rss;
    results = {
      mixed: pairedMedian(mixed64, mixed16, rps),
      rssAfterWarmUp,
      rssAtEnd,
      getVsFloor: pairedMedian(getFn, getFloor, rps),
      getVsFloorCpu: pairedMedian(getFn, getFloor, requestsPerCpuSecond),
      getVsBare: pairedMedian(getFn, getBare, rps),
      // Lower is better here: deep against first, each round's p50s.
      deepVsFirst: pairedMedian(deep, first, (r) => r.p50),
      postVsFloor: pairedMedian(postFn, postFloor, rps),
      postVsFloorCpu: pairedMedian(postFn, postFloor, requestsPerCpuSecond),
      postVsBare: pairedMedian(postFn, postBare, rps),
      peak: people.peakMiB(),
    };
  } finally {
    await people.stop();
    await floor.stop();
    await bare.stop();
  }
  // Report only; in quick runs too, so that `--only=http --quick` shows it.
  const publishing = ctx.eventsEnv.PUBSUB_EMULATOR_HOST
    ? await postPublishing(ctx, node.binary, env, seconds, connections, cpus)
    : undefined;
  const atShare = await throughputAtShare(ctx, node, env, paths, connections, cpus);
  const { getVsFloor, getVsBare, deepVsFirst, postVsFloor, postVsBare, peak } = results;
  const { getVsFloorCpu, postVsFloorCpu } = results;
  const { rssAfterWarmUp, rssAtEnd } = results;
  const { ours: mixed64, base: mixed16 } = results.mixed;
  const { ours: deep, base: first } = deepVsFirst;
  const floorName = 'same handler under stock functions-framework';

  return [
    figure({
      name: 'GET /people/{uuid} (requests/s)',
      value: getVsBare.ours.requestsPerSecond,
      unit: 'req/s',
      baseline: {
        name: 'bare node:http, same query and pool',
        value: getVsBare.base.requestsPerSecond,
      },
      target: { on: 'ratio', op: '>=', limit: 0.85 },
      notes: `${node.name}; ${where}; function ${ms(getVsBare.ours)}; bare ${ms(getVsBare.base)}; ${connections} connections; ${describeRatios(getVsBare.ratios)} of ${COMPARED_SECONDS} s`,
    }),
    figure({
      name: 'GET /people/{uuid}: the stock framework alone (requests/s)',
      value: getVsFloor.base.requestsPerSecond,
      unit: 'req/s',
      baseline: {
        name: 'bare node:http, same query and pool',
        value: getVsBare.base.requestsPerSecond,
      },
      notes: `report: the ceiling of any function on functions-framework; ${ms(getVsFloor.base)}; from the rounds of the two figures above and below`,
    }),
    figure({
      name: 'GET /people/{uuid}: our code on the framework (requests/s)',
      value: getVsFloor.ours.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: floorName, value: getVsFloor.base.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.9 },
      notes: `${node.name}; ${where}; validation, routes (find-my-way), auth, schema gate, problem errors; ${describeRatios(getVsFloor.ratios)}`,
    }),
    perCpuSecond(
      'GET /people/{uuid}: our code on the framework',
      getVsFloorCpu,
      floorName,
      0.9,
      `${node.name}; ${where}`,
    ),
    figure({
      name: `GET /people?limit=100, ${deepIndex.toLocaleString('en-US')} rows deep (p50 latency)`,
      value: deep.p50,
      unit: 'ms',
      baseline: { name: 'first page', value: first.p50 },
      target: { on: 'ratio', op: '<=', limit: 1.5 },
      notes: `deep ${Math.round(deep.requestsPerSecond)} req/s (${ms(deep)}); first ${Math.round(first.requestsPerSecond)} req/s (${ms(first)}); ${rows.toLocaleString('en-US')} rows; ${describeRatios(deepVsFirst.ratios)}`,
    }),
    figure({
      name: 'POST /people with its outbox row (requests/s)',
      value: postVsBare.ours.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: 'same insert, no outbox (bare)', value: postVsBare.base.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.7 },
      notes: `${node.name}; person and outbox row in one statement, no broker; function ${ms(postVsBare.ours)}; bare ${ms(postVsBare.base)}; ${describeRatios(postVsBare.ratios)}`,
    }),
    figure({
      name: 'POST /people: our code and the outbox on the framework (requests/s)',
      value: postVsFloor.ours.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: `${floorName}, no outbox`, value: postVsFloor.base.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.8 },
      notes: `${node.name}; ${where}; function ${ms(postVsFloor.ours)}; floor ${ms(postVsFloor.base)}; ${describeRatios(postVsFloor.ratios)}`,
    }),
    perCpuSecond(
      'POST /people: our code and the outbox on the framework',
      postVsFloorCpu,
      `${floorName}, no outbox`,
      0.8,
      `${node.name}; ${where}`,
    ),
    ...(publishing
      ? [
          figure({
            name: 'POST /people, also publishing to the emulator (requests/s)',
            value: publishing.result.requestsPerSecond,
            unit: 'req/s',
            baseline: {
              name: 'same insert, no outbox (bare)',
              value: postVsBare.base.requestsPerSecond,
            },
            notes: `report only: each write answers once its event is published (or after PUBLISH_TIMEOUT_MS, left to the relay); ${ms(publishing.result)}; of the ${publishing.events.written} events written in the run (its last requests included), ${publishing.events.sent} published before their answer, ${publishing.events.left} left to the relay; the first write (loads the Pub/Sub client, before the load) ${publishing.firstMs} ms; peak RSS ${Math.round(publishing.peak)} MiB`,
          }),
        ]
      : []),
    ...atShare,
    figure({
      name: 'mixed traffic at 64 connections (requests/s)',
      value: mixed64.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: 'same mix at 16 connections', value: mixed16.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.9 },
      notes: `${node.name}; 50% GET by uuid, 20% lists, 20% POST, 10% PUT; 64: ${ms(mixed64)}; 16: ${ms(mixed16)}; pool of 5; ${describeRatios(results.mixed.ratios)}`,
    }),
    figure({
      name: 'mixed traffic: RSS growth after warm-up',
      value: Math.round(((rssAtEnd - rssAfterWarmUp) / rssAfterWarmUp) * 1000) / 10,
      unit: '%',
      target: { on: 'value', op: '<', limit: 10 },
      notes: `${rssAfterWarmUp.toFixed(1)} MiB after warm-up, ${rssAtEnd.toFixed(1)} MiB after ${rounds * 2} mixed runs`,
    }),
    figure({
      name: 'people: peak RSS under load',
      value: peak,
      unit: 'MiB',
      target: { on: 'value', op: '<', limit: 192 },
    }),
  ];
}

/**
 * A compared pair by each server's own CPU per request, from the same rounds as its requests/s
 * figure (servedLoad): requests one CPU-second of the server answers, ours against the
 * baseline's, the median round's. The requests/s figure also moves with whether the load
 * generator and PostgreSQL, on the other core, keep up; this one is the server's cost alone,
 * which is what bounds an instance's throughput on the vCPU Cloud Run gives it.
 */
function perCpuSecond(
  name: string,
  pair: PairedMedian<ServedLoad>,
  baseline: string,
  limit: number,
  notes: string,
): Figure {
  const us = (run: ServedLoad) => `${Math.round(run.cpuUsPerRequest)} µs`;
  return figure({
    name: `${name} (requests per CPU-second of the server)`,
    value: requestsPerCpuSecond(pair.ours),
    unit: 'req/CPU-s',
    baseline: { name: baseline, value: requestsPerCpuSecond(pair.base) },
    target: { on: 'ratio', op: '>=', limit },
    notes: `${notes}; the server's CPU per request ${us(pair.ours)}, the baseline's ${us(pair.base)}; from the rounds of the requests/s figure, ${describeRatios(pair.ratios)}`,
  });
}

/**
 * GET by uuid and POST, our function against the same handler on the stock framework, both
 * at the CPU share people has in `ctx.environment`'s tfvars (a cgroup cpu quota from their
 * first instruction, as the throttled harness gives it; CPU allocated throughout, as under
 * load), in alternating rounds, on `cpus` (httpBench's placement). Empty where no cgroup can be
 * made (the reason is printed).
 */
async function throughputAtShare(
  ctx: BenchContext,
  node: NodeBinary,
  env: Record<string, string>,
  paths: string[],
  connections: number,
  cpus: string | undefined,
): Promise<Figure[]> {
  const noQuota = cgroupsUnavailable();
  if (noQuota) {
    process.stderr.write(`bench: throughput at the deployed CPU share skipped: ${noQuota}\n`);
    return [];
  }
  const sizing = (await tfvarsSizing(ctx.environment))('people');
  const cpu = vcpuShare(sizing);
  const start = (source?: string) =>
    startThrottled({
      name: 'people',
      node: node.binary,
      ...(source ? { source } : {}),
      env,
      sizing,
      cpu,
      cpus,
      ready: { path: paths[0]! },
    });
  const fn = await start();
  const floor = await start(FRAMEWORK_BASELINE).catch(async (error: unknown) => {
    await fn.stop();
    throw error;
  });
  const rounds = ctx.quick ? 1 : COMPARED_ROUNDS;
  const seconds = COMPARED_SECONDS;
  const get: ServedLoad[][] = [[], []];
  const post: ServedLoad[][] = [[], []];
  try {
    await Promise.all([fn.resume(), floor.resume()]);
    // The function's own port: the quota applies to its process, the proxy has nothing to do.
    const urls = [fn.instance.url, floor.instance.url];
    const pids = [fn.pid, floor.pid];
    for (const url of urls) await load({ url, paths, seconds: 1, connections });
    for (let round = 0; round < rounds; round++) {
      // GET on both back to back, then POST on both, the order swapped each round: each pair
      // gives this round's ratio (paired-rounds.ts).
      const order = round % 2 ? [1, 0] : [0, 1];
      for (const i of order)
        get[i]!.push(await servedLoad(pids[i]!, { url: urls[i]!, paths, seconds, connections }));
      for (const i of order)
        post[i]!.push(await servedLoad(pids[i]!, posts(urls[i]!, seconds, connections)));
    }
  } finally {
    await fn.stop();
    await floor.stop();
  }
  const getPair = pairedMedian(get[0]!, get[1]!, (r) => r.requestsPerSecond);
  const postPair = pairedMedian(post[0]!, post[1]!, (r) => r.requestsPerSecond);
  const { ours: getFn, base: getFloor } = getPair;
  const { ours: postFn, base: postFloor } = postPair;
  const share = `${ctx.environment}'s CPU share, ${cpu} vCPU`;
  const floorName = `same handler under stock functions-framework at ${cpu} vCPU`;
  return [
    figure({
      name: `GET /people/{uuid} at ${share}: our code on the framework (requests/s)`,
      value: getFn.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: floorName, value: getFloor.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.9 },
      notes: `${node.name}; function ${ms(getFn)}; floor ${ms(getFloor)}; cgroup cpu quota${cpus ? `, on CPU ${cpus} alone` : ''}; ${describeRatios(getPair.ratios)} of ${seconds} s`,
    }),
    perCpuSecond(
      `GET /people/{uuid} at ${share}: our code on the framework`,
      pairedMedian(get[0]!, get[1]!, requestsPerCpuSecond),
      floorName,
      0.9,
      `${node.name}; cgroup cpu quota`,
    ),
    figure({
      name: `POST /people at ${share}: our code and the outbox on the framework (requests/s)`,
      value: postFn.requestsPerSecond,
      unit: 'req/s',
      baseline: { name: `${floorName}, no outbox`, value: postFloor.requestsPerSecond },
      target: { on: 'ratio', op: '>=', limit: 0.8 },
      notes: `${node.name}; function ${ms(postFn)}; floor ${ms(postFloor)}; ${describeRatios(postPair.ratios)}`,
    }),
    perCpuSecond(
      `POST /people at ${share}: our code and the outbox on the framework`,
      pairedMedian(post[0]!, post[1]!, requestsPerCpuSecond),
      `${floorName}, no outbox`,
      0.8,
      `${node.name}; cgroup cpu quota`,
    ),
  ];
}

/**
 * POST load on a people instance that publishes to the emulator before it answers (issue 13:
 * each write waits for its event, up to PUBLISH_TIMEOUT_MS). Its first write loads the Pub/Sub
 * client (about 0.4 s of CPU, over 5 s on a machine at load 30): it is made, timed and checked
 * before the load, which otherwise spent its whole run waiting for that one-time load and
 * completed no request (the "0 req/s" of earlier full runs). After the load, the outbox says
 * how many of its events were published before their answer and how many were left to the relay.
 */
async function postPublishing(
  ctx: BenchContext,
  node: string,
  env: Record<string, string>,
  seconds: number,
  connections: number,
  cpus: string | undefined,
) {
  const fn = await launchFunction({
    name: 'people',
    node,
    env: { ...env, ...ctx.eventsEnv },
    cpus,
    ready: { path: '/people?limit=1' },
  });
  let before = '0';
  const outbox = async () =>
    (
      await ctx.db.knex.raw(
        `SELECT coalesce(max(id), 0)::text AS last, count(*)::int AS written, count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
                count(*) FILTER (WHERE sent_at IS NULL AND last_error IS NOT NULL)::int AS left
           FROM outbox WHERE id > ?`,
        [before],
      )
    ).rows[0] as { last: string; written: number; sent: number; left: number };
  try {
    before = (await outbox()).last;
    const began = performance.now();
    const first = await fetch(`${fn.url}/people`, {
      method: 'POST',
      body: PERSON,
      headers: JSON_HEADERS,
    });
    await first.arrayBuffer();
    const firstMs = Math.round(performance.now() - began);
    const firstOutbox = await outbox();
    if (first.status !== 201 || firstOutbox.sent !== 1)
      throw new Error(
        `the first write to a publishing people answered ${first.status} and published ${firstOutbox.sent} of 1 events (left to the relay: ${firstOutbox.left}); its output:\n${fn.output().slice(-4000)}`,
      );
    await loadPosts(fn.url, 1, connections);
    before = (await outbox()).last;
    const result = await loadPosts(fn.url, seconds, connections);
    const events = await outbox();
    return { result, firstMs, events, peak: fn.peakMiB() };
  } finally {
    await fn.stop();
  }
}
