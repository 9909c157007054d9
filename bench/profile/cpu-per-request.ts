// CPU per request of two people servers under the same load, side by side (not a figure: a
// tool for comparing levers; the README's GET and POST sections used it):
//   node --import tsx bench/profile/cpu-per-request.ts get|post [--seconds=4] [--rounds=8]
//     [--a=dist/functions/people] [--b=dist/bench/framework-people] [--cpu-prof=DIR] [--build]
//     [--node=/path/to/node] [--with=headers,context,entry,auth,outbox] [--vcpu=0.167]
//     [--a-flags=--max-old-space-size=192] [--b-flags=--max-old-space-size=2048] [--rows=1000000]
// Each is served by the stock functions-framework CLI; the load (autocannon, 16 connections)
// alternates between them round by round; each round's CPU (from /proc) is divided by the
// requests it answered, for the server and for the PostgreSQL backends of the database (the
// server side of the same requests; only the server under load uses them during its round).
// --cpu-prof writes a V8 profile of each (DIR/a, DIR/b); --build builds the bundles first, as
// the benchmark does; --node serves both on another Node (Node 22, the cloud's: npm run
// fetch:node22); --with serves as a: the framework baseline plus only those behaviours of ours
// (bench/baselines/framework-people-with.ts), to see what they cost by themselves; --vcpu
// serves each in a cgroup of its own capped at that CPU share (a CFS quota, as the throttled
// harness and the benchmark's figures at the deployed share give it), so a request's CPU is
// measured where the quota, not the machine, paces the server. --a-flags and --b-flags are
// passed to each server's node (space-separated), to compare two settings of one bundle.
// --rows loads that many of the benchmark's generated passengers first (its file, by `\copy`)
// and GETs 2,000 of them at random, as the benchmark's GET figures do on the import's million
// rows; without it, the 500 rows a second of POSTs wrote. POSTs carry an API key, as the
// benchmark's do. Where the machine has two CPUs or more, both servers run on the last one
// alone and this tool, its load workers and PostgreSQL on the others, as the benchmark's
// comparisons do (bench/lib/cpu-placement.ts): placed so, 16 rounds of 2 s of ours against a
// variant of ours built for the measurement gave paired ratios of 0.94 to 1.06 outside the
// host's slow spells. A variant bundle must sit under the project (say dist/variants/), where
// its packages resolve.
import type { SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { passengerFile, psqlCopy } from '../import.bench';
import { benchDatabase } from '../lib/database';
import { buildBundles, buildFrameworkBaselineWith, FRAMEWORK_BASELINE } from '../lib/functions';
import { cpuPlacementUnavailable, placeOnCpus, type CpuPlacement } from '../lib/cpu-placement';
import { load, type LoadOptions } from '../lib/load';
import { servedLoad } from '../lib/served-load';
import { BENCH_PERSON } from '../lib/mix';
import { FRAMEWORK } from '../../test/support/launcher';
import { freePort, onCpus } from '../../test/support/processes';
import { processCpuMs } from '../lib/process-cpu';
import { median, option, runTool, UsageError } from './proc-cpu';
import { spawnInCgroup, vcpuOption } from './quota';

async function serve(
  node: string,
  source: string,
  env: Record<string, string>,
  profileDir?: string,
  vcpu?: number,
  nodeFlags: string[] = [],
  cpus?: string,
) {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const target = [FRAMEWORK, '--target=people', `--source=${source}`, `--port=${port}`];
  const args = [...nodeFlags, ...profile, ...target];
  const options: SpawnOptions = {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  };
  const [command, ...commandArgs] = onCpus(cpus, [node, ...args]);
  const { child, removeCgroup } = spawnInCgroup(
    'cpu-per-request',
    command!,
    commandArgs,
    options,
    vcpu,
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    // A bundle that cannot load ends the framework's process: say so rather than wait for it.
    if (child.exitCode !== null || child.signalCode !== null) {
      await removeCgroup();
      throw new Error(`${source} exited before it answered (its output is above)`);
    }
    const res = await fetch(`${url}/people/00000000-0000-4000-8000-000000000000`).catch(
      () => undefined,
    );
    if (res) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await stopped;
    await removeCgroup();
  };
  return { url, pid: child.pid!, stop };
}

async function main(): Promise<void> {
  const what = process.argv[2] === 'get' ? 'get' : 'post';
  const seconds = Number(option('seconds', '4'));
  const rounds = Number(option('rounds', '8'));
  const profile = option('cpu-prof', '');
  const node = option('node', process.execPath);
  const vcpu = vcpuOption();
  const fill = Number(option('rows', '0'));
  if (!Number.isInteger(fill) || fill < 0)
    throw new UsageError(`--rows must be a whole number of rows, not ${option('rows', '')}`);
  if (process.argv.includes('--build')) await buildBundles();
  const behaviours = option('with', '');
  const a = behaviours
    ? await buildFrameworkBaselineWith(behaviours.split(','))
    : option('a', 'dist/functions/people');
  const db = await benchDatabase('manifest_cpu_per_request');
  const placement: CpuPlacement | undefined = cpuPlacementUnavailable() ? undefined : placeOnCpus();
  process.stderr.write(`${placement?.where ?? 'servers, load and PostgreSQL on the same cores'}\n`);
  // POSTs carry an API key, as in production (which needs API_KEYS); the baseline ignores it.
  const key = randomBytes(24).toString('base64url');
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'info', DB_POOL_MAX: '5', API_KEYS: `a=${key}` };
  try {
    const flags = (side: 'a' | 'b') => option(`${side}-flags`, '').split(' ').filter(Boolean);
    const cpus = placement?.server;
    const first = await serve(node, a, env, profile && `${profile}/a`, vcpu, flags('a'), cpus);
    const second = await serve(
      node,
      option('b', FRAMEWORK_BASELINE),
      env,
      profile && `${profile}/b`,
      vcpu,
      flags('b'),
      cpus,
    ).catch(async (error: unknown) => {
      await first.stop();
      throw error;
    });
    const servers = { a: first, b: second };
    const body = JSON.stringify(BENCH_PERSON);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const posts = (url: string, s: number): LoadOptions => ({
      url: `${url}/people`,
      method: 'POST',
      body,
      headers,
      seconds: s,
      connections: 16,
    });
    const post = (url: string, s: number) => load(posts(url, s));
    if (fill > 0) {
      await psqlCopy(db.url, await passengerFile(fill));
      await db.knex.raw('ANALYZE person');
    } else await post(servers.b.url, 1); // rows to read
    const { rows } = await db.knex.raw(
      fill > 0
        ? 'SELECT id FROM person ORDER BY random() LIMIT 2000'
        : 'SELECT id FROM person LIMIT 500',
    );
    const paths = rows.map((r: { id: string }) => `/people/${r.id}`);
    const options = (url: string, s: number): LoadOptions =>
      what === 'post' ? posts(url, s) : { url, paths, seconds: s, connections: 16 };
    for (const server of Object.values(servers)) await load(options(server.url, 3)); // warm-up (JIT)
    const backendsCpuMs = async () => {
      const { rows: backends } = await db.knex.raw(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      let sum = 0;
      for (const { pid } of backends as { pid: number }[]) {
        try {
          sum += processCpuMs(pid);
        } catch {
          // the backend has exited since
        }
      }
      return sum;
    };
    const perRequest: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const database: Record<'a' | 'b', number[]> = { a: [], b: [] };
    const throughput: Record<'a' | 'b', number[]> = { a: [], b: [] };
    for (let round = 0; round < rounds; round++)
      for (const name of ['a', 'b'] as const) {
        const backendsBefore = await backendsCpuMs();
        const result = await servedLoad(servers[name].pid, options(servers[name].url, seconds));
        perRequest[name].push(result.cpuUsPerRequest);
        database[name].push((((await backendsCpuMs()) - backendsBefore) * 1000) / result.total);
        throughput[name].push(result.requestsPerSecond);
      }
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    // Each ratio is a's against b's, higher the better for a: b/a of a cost, a/b of a rate.
    const report = (label: string, of: Record<'a' | 'b', number[]>, rate = false) => {
      const paired = of.a.map((a, round) => (rate ? a / of.b[round]! : of.b[round]! / a));
      process.stdout.write(
        `${what}: ${label}, a ${JSON.stringify(of.a.map(Math.round))} (median ${Math.round(median(of.a))}), b ${JSON.stringify(of.b.map(Math.round))} (median ${Math.round(median(of.b))}); ${rate ? 'a/b' : 'b/a'} per round ${paired.map((r) => r.toFixed(2)).join(' ')} (median ${median(paired).toFixed(3)})\n`,
      );
    };
    report('server CPU µs per request', perRequest);
    report('PostgreSQL backends CPU µs per request', database);
    report(`requests/s${vcpu === undefined ? '' : ` at ${vcpu} vCPU`}`, throughput, true);
    process.stdout.write(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
  } finally {
    placement?.restore();
    await db.drop();
  }
}

runTool(main);
