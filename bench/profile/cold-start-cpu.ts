// CPU from spawn to first 2xx of each function against hello (not a figure: a tool for
// comparing levers; the README's cold start section used it):
//   node --import tsx bench/profile/cold-start-cpu.ts [--functions=hello,people,...] [--runs=3]
//     [--dist=dist/functions] [--build] [--node=/path/to/node] [--compile-cache=bundle|none]
// Each is launched as deployed (its bundle under the stock framework CLI with the Node flags
// Terraform gives its production sizing, hello with the default's), probed until its first
// 2xx, and its process's CPU read from /proc. --node runs them all on another Node (Node 22,
// the cloud's: npm run fetch:node22). --compile-cache=bundle (the default) first writes each
// bundle's compile cache as the image's build does (its compile-cache.js, on that Node) and
// puts it back before each run (a run adds what it compiled when it exits); none runs without.
// hello, the stock framework, never has one.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { COMPILE_CACHE_DIR } from '../../scripts/compile-cache';
import { deployments } from '../../shared/deploy/functions';
import { createEvent } from '../../shared/events/envelope';
import { launchFunction } from '../../test/support/launcher';
import { benchDatabase } from '../lib/database';
import { buildBundles, tfvarsSizing } from '../lib/functions';
import { ROOT } from '../../test/support/processes';
import { PUSH_PATH, pushDelivery } from '../lib/push';
import { median, option, processCpuMs } from './proc-cpu';

function probe(name: string): { path: string; init?: RequestInit } {
  if (name === 'hello') return { path: '/' };
  if (name === 'people') return { path: '/people?limit=1' };
  if (name === 'stats' || name === 'health') return { path: `/${name}` };
  const uuid = randomUUID();
  const event = createEvent('person.created', {
    subject: uuid,
    actor: 'bench',
    data: {
      uuid,
      survived: true,
      passengerClass: 3,
      name: 'Mr. Cold Start',
      sex: 'male',
      age: 22,
      siblingsOrSpousesAboard: 0,
      parentsOrChildrenAboard: 0,
      fare: 7.25,
    },
  });
  const headers = { 'content-type': 'application/json' };
  return { path: PUSH_PATH, init: { method: 'POST', headers, body: pushDelivery(event) } };
}

async function main(): Promise<void> {
  const names = option('functions', ['hello', ...deployments.map((d) => d.name)].join(','));
  const runs = Number(option('runs', '3'));
  const dist = option('dist', 'dist/functions');
  const node = option('node', process.execPath);
  const withCache = option('compile-cache', 'bundle') === 'bundle';
  if (process.argv.includes('--build')) await buildBundles();
  const sizing = await tfvarsSizing('production');
  const functions = names.split(',').filter((name) => name !== 'hello');
  const kept = (name: string) => join(ROOT, 'dist/bench/compile-cache', name);
  const cacheOf = (name: string) => join(ROOT, dist, name, COMPILE_CACHE_DIR);
  if (withCache)
    for (const name of functions) {
      execFileSync(node, [join(ROOT, dist, name, 'compile-cache.js')], { stdio: 'inherit' });
      rmSync(kept(name), { recursive: true, force: true });
      cpSync(cacheOf(name), kept(name), { recursive: true });
    }
  const db = await benchDatabase('manifest_cold_start_cpu');
  const cpu = new Map<string, number[]>();
  try {
    for (let run = 0; run < runs; run++)
      for (const name of names.split(',')) {
        if (withCache && name !== 'hello') {
          rmSync(cacheOf(name), { recursive: true, force: true });
          cpSync(kept(name), cacheOf(name), { recursive: true });
        }
        const fn = await launchFunction({
          name,
          node,
          sizing: name === 'hello' ? {} : { memory: sizing(name).memory },
          source: name === 'hello' ? 'bench/baselines/hello.js' : `${dist}/${name}`,
          env: {
            LOG_LEVEL: 'warn',
            DATABASE_URL: db.url,
            DB_POOL_MAX: '5',
            ...(withCache ? {} : { NODE_COMPILE_CACHE: undefined }),
          },
          ready: probe(name),
          probeEveryMs: 5,
        });
        cpu.set(name, [...(cpu.get(name) ?? []), processCpuMs(fn.pid)]);
        await fn.stop();
      }
  } finally {
    await db.drop();
  }
  const hello = cpu.has('hello') ? median(cpu.get('hello')!) : undefined;
  for (const [name, values] of cpu)
    process.stdout.write(
      `${name.padEnd(14)} CPU ms to first 2xx ${JSON.stringify(values)}, median ${median(values)}${hello ? `, ${(median(values) / hello).toFixed(2)}× hello` : ''}\n`,
    );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
