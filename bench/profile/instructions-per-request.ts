// Instructions per request of two people servers, counted by valgrind's callgrind (not a figure:
// a tool for comparing levers where time is too noisy to tell 2% apart; this machine has no
// hardware counters for `perf`):
//   node --import tsx bench/profile/instructions-per-request.ts get|post [--build]
//     [--a=dist/functions/people] [--b=dist/bench/framework-people] [--with=headers,context,...]
//     [--node=/path/to/node] [--flags=--max-old-space-size=192] [--warm=4000] [--count=2000]
//     [--blocks=3]
// Each server runs on the stock functions-framework CLI under `valgrind --tool=callgrind`, both
// at once (about 50 times slower than native, so a run takes 10 to 15 minutes). Each answers
// --warm requests, 16 at a time, so V8 has optimised what it will; then --blocks blocks of
// --count requests, its counters zeroed before each block and dumped after it
// (callgrind_control): the instructions of every thread of the process (JIT code, the runtime,
// the garbage collector) divided by the requests. Once warm, one server's blocks agree within
// about 2%, where CPU time per request moved 5% between sittings. Instructions are not time
// (a cache miss costs more than an add), so this ranks levers; the benchmark's figures judge
// them. --node defaults to Node 22 when fetched (npm run fetch:node22), the cloud's runtime;
// --flags go to both (people's heap cap by default, as deployed); --with serves as a the
// framework baseline plus those behaviours of ours (bench/baselines/framework-people-with.ts).
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchDatabase } from '../lib/database';
import {
  buildBundles,
  buildFrameworkBaselineWith,
  deployedNode,
  FRAMEWORK_BASELINE,
} from '../lib/functions';
import { insertPerson } from '../../shared/people/repository';
import { SAMPLE_PERSON } from '../../shared/people/sample';
import { FRAMEWORK } from '../../test/support/launcher';
import { freePort } from '../../test/support/processes';
import { median, option, runTool, UsageError } from './proc-cpu';

const run = promisify(execFile);

/** One server under callgrind: its URL, and a counter of the instructions it runs. */
async function serveCounted(
  node: string,
  flags: string[],
  source: string,
  env: Record<string, string>,
) {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-callgrind-'));
  const port = await freePort();
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--quiet',
      '--smc-check=all-non-file', // V8 writes the code it runs
      '--dump-instr=no',
      `--callgrind-out-file=${dir}/callgrind.%p`,
      node,
      ...flags,
      FRAMEWORK,
      '--target=people',
      `--source=${source}`,
      `--port=${port}`,
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${source} exited before it answered (its output is above)`);
    const res = await fetch(`${url}/people/${randomUUID()}`).catch(() => undefined);
    if (res) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const pid = String(child.pid);
  return {
    url,
    /** Instructions the process runs while `work` does (counters zeroed first, dumped after). */
    async count(work: () => Promise<void>): Promise<number> {
      for (const file of readdirSync(dir)) rmSync(join(dir, file));
      await run('callgrind_control', ['-z', pid]);
      await work();
      await run('callgrind_control', ['-d', pid]);
      // The dump is written by the process itself, after the command returns.
      for (;;) {
        if (child.exitCode !== null || child.signalCode !== null)
          throw new Error(`${source} exited before its counters were dumped`);
        const totals = readdirSync(dir)
          .map((file) => /^totals: (\d+)/m.exec(readFileSync(join(dir, file), 'utf8')))
          .filter((match) => match !== null);
        if (totals.length > 0) return totals.reduce((sum, match) => sum + Number(match[1]), 0);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    stop() {
      child.kill('SIGKILL'); // not SIGTERM: callgrind would write one more dump on the way out
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends exactly `total` requests, `inFlight` at a time; any other status than expected throws. */
async function drive(total: number, send: (i: number) => Promise<Response>, expected: number) {
  let next = 0;
  const sender = async () => {
    while (next < total) {
      const res = await send(next++);
      await res.arrayBuffer();
      if (res.status !== expected) throw new Error(`a request answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, sender));
}

async function main(): Promise<void> {
  const what = process.argv[2];
  if (what !== 'get' && what !== 'post') throw new UsageError('usage: ... get|post [--options]');
  if (spawnSync('valgrind', ['--version']).error)
    throw new UsageError('this tool needs valgrind (apt-get install valgrind)');
  const whole = (name: string, fallback: string) => {
    const value = Number(option(name, fallback));
    if (!Number.isInteger(value) || value < 1)
      throw new UsageError(`--${name} must be a whole number above 0, not ${option(name, '')}`);
    return value;
  };
  const warm = whole('warm', '4000');
  const count = whole('count', '2000');
  const blocks = whole('blocks', '3');
  const node = option('node', deployedNode().binary);
  const flags = option('flags', '--max-old-space-size=192').split(' ').filter(Boolean);
  if (process.argv.includes('--build')) await buildBundles();
  const behaviours = option('with', '');
  const sources = {
    a: behaviours
      ? await buildFrameworkBaselineWith(behaviours.split(','))
      : option('a', 'dist/functions/people'),
    b: option('b', FRAMEWORK_BASELINE),
  };
  const db = await benchDatabase('manifest_instructions');
  const key = randomBytes(24).toString('base64url');
  const env = { DATABASE_URL: db.url, LOG_LEVEL: 'info', DB_POOL_MAX: '5', API_KEYS: `a=${key}` };
  const servers: Awaited<ReturnType<typeof serveCounted>>[] = [];
  try {
    const ids = Array.from({ length: 500 }, () => randomUUID());
    for (const uuid of ids) await insertPerson(db.knex, { uuid, ...SAMPLE_PERSON });
    const body = JSON.stringify(SAMPLE_PERSON);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
    const send = (url: string) => (i: number) =>
      what === 'get'
        ? fetch(`${url}/people/${ids[i % ids.length]}`)
        : fetch(`${url}/people`, { method: 'POST', body, headers });
    const expected = what === 'get' ? 200 : 201;
    const perRequest = await Promise.all(
      (['a', 'b'] as const).map(async (side) => {
        const server = await serveCounted(node, flags, sources[side], env);
        servers.push(server);
        await drive(warm, send(server.url), expected);
        const counts: number[] = [];
        for (let block = 0; block < blocks; block++) {
          const total = await server.count(() => drive(count, send(server.url), expected));
          counts.push(total / count);
        }
        return counts;
      }),
    );
    const [a, b] = perRequest as [number[], number[]];
    const round = (values: number[]) => JSON.stringify(values.map(Math.round));
    process.stdout.write(
      `${what}: instructions per request, a ${sources.a} ${round(a)} (median ${Math.round(median(a))}), b ${sources.b} ${round(b)} (median ${Math.round(median(b))}); b/a ${(median(b) / median(a)).toFixed(3)}\n`,
    );
  } finally {
    for (const server of servers) server.stop();
    await db.drop();
  }
}

runTool(main);
