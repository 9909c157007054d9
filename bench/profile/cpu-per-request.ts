// CPU per request of two people servers under the same load, side by side (not a figure: a
// tool for comparing levers; the README's GET and POST sections used it):
//   node --import tsx bench/profile/cpu-per-request.ts get|post [--seconds=4] [--rounds=3]
//     [--a=dist/functions/people] [--b=dist/bench/framework-people] [--cpu-prof=DIR] [--build]
// Each is served by the stock functions-framework CLI; the load (autocannon, 16 connections)
// alternates between them round by round; each round's CPU (from /proc) is divided by the
// requests it answered. --cpu-prof writes a V8 profile of each (DIR/a, DIR/b); --build builds
// the bundles first, as the benchmark does.
import { spawn } from 'node:child_process';
import { benchDatabase } from '../lib/database';
import { buildBundles, FRAMEWORK_BASELINE } from '../lib/functions';
import { load } from '../lib/load';
import { BENCH_PERSON } from '../lib/mix';
import { FRAMEWORK } from '../../test/support/launcher';
import { freePort } from '../../test/support/processes';
import { median, option, processCpuMs } from './proc-cpu';

async function serve(source: string, env: Record<string, string>, profileDir?: string) {
  const port = await freePort();
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...profile, FRAMEWORK, '--target=people', `--source=${source}`, `--port=${port}`],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const res = await fetch(`${url}/people/00000000-0000-4000-8000-000000000000`).catch(
      () => undefined,
    );
    if (res) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stopped = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { url, pid: child.pid!, stop: () => (child.kill('SIGTERM'), stopped) };
}

async function main(): Promise<void> {
  const what = process.argv[2] === 'get' ? 'get' : 'post';
  const seconds = Number(option('seconds', '4'));
  const rounds = Number(option('rounds', '3'));
  const profile = option('cpu-prof', '');
  if (process.argv.includes('--build')) await buildBundles();
  const db = await benchDatabase('manifest_cpu_per_request');
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'info', DB_POOL_MAX: '5' };
  try {
    const servers = {
      a: await serve(option('a', 'dist/functions/people'), env, profile && `${profile}/a`),
      b: await serve(option('b', FRAMEWORK_BASELINE), env, profile && `${profile}/b`),
    };
    const body = JSON.stringify(BENCH_PERSON);
    const headers = { 'content-type': 'application/json' };
    const post = (url: string, s: number) =>
      load({ url: `${url}/people`, method: 'POST', body, headers, seconds: s, connections: 16 });
    await post(servers.b.url, 1); // rows to read
    const { rows } = await db.knex.raw('SELECT id FROM person LIMIT 500');
    const paths = rows.map((r: { id: string }) => `/people/${r.id}`);
    const run = (url: string, s: number) =>
      what === 'post' ? post(url, s) : load({ url, paths, seconds: s, connections: 16 });
    for (const server of Object.values(servers)) await run(server.url, 1); // warm-up
    const perRequest: Record<'a' | 'b', number[]> = { a: [], b: [] };
    for (let round = 0; round < rounds; round++)
      for (const name of ['a', 'b'] as const) {
        const before = processCpuMs(servers[name].pid);
        const result = await run(servers[name].url, seconds);
        perRequest[name].push(((processCpuMs(servers[name].pid) - before) * 1000) / result.total);
      }
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    const a = median(perRequest.a);
    const b = median(perRequest.b);
    process.stdout.write(
      `${what}: CPU µs per request, a ${JSON.stringify(perRequest.a.map(Math.round))} (median ${Math.round(a)}), b ${JSON.stringify(perRequest.b.map(Math.round))} (median ${Math.round(b)}); b/a ${(b / a).toFixed(3)}\n`,
    );
  } finally {
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
