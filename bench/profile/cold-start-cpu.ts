// CPU from spawn to first 2xx of each function against hello (not a figure: a tool for
// comparing levers; the README's cold start section used it):
//   node --import tsx bench/profile/cold-start-cpu.ts [--functions=hello,hello-db,people,...] [--runs=3]
//     [--dist=dist/functions] [--build] [--node=/path/to/node] [--compile-cache=bundle|none|both]
// Each is launched as deployed (its bundle under the stock framework CLI with the Node flags
// Terraform gives its production sizing, hello with the default's), probed until its first
// 2xx, and its process's CPU read from /proc. --node runs them all on another Node (Node 22,
// the cloud's: npm run fetch:node22). --compile-cache=bundle (the default) first writes each
// bundle's compile cache as the image's build does (its compile-cache.js, on that Node) and
// puts it back before each run (a run adds what it compiled when it exits); none runs without;
// both runs each function without and with, one after the other.
// hello and hello-db (the floor of a function answering from the database), the stock framework,
// never have one.
import { deployments } from '../../shared/deploy/functions';
import { benchDatabase } from '../lib/database';
import {
  buildBundles,
  launchForColdStart,
  STOCK_BASELINES,
  tfvarsSizing,
  writeCompileCaches,
} from '../lib/functions';
import { processCpuMs } from '../lib/process-cpu';
import { median, option, runTool, UsageError } from './proc-cpu';

async function main(): Promise<void> {
  const names = option(
    'functions',
    ['hello', 'hello-db', ...deployments.map((d) => d.name)].join(','),
  );
  const runs = Number(option('runs', '3'));
  const dist = option('dist', 'dist/functions');
  const node = option('node', process.execPath);
  const cacheMode = option('compile-cache', 'bundle');
  if (!['bundle', 'none', 'both'].includes(cacheMode))
    throw new UsageError('--compile-cache is bundle, none or both');
  const withCache = cacheMode !== 'none';
  if (process.argv.includes('--build')) await buildBundles();
  const sizing = await tfvarsSizing('production');
  const functions = names.split(',').filter((name) => !STOCK_BASELINES.has(name));
  if (dist !== 'dist/functions' && withCache)
    throw new UsageError('--compile-cache=bundle needs --dist=dist/functions');
  const restoreCache = withCache ? writeCompileCaches(node, functions) : undefined;
  const db = await benchDatabase('manifest_cold_start_cpu');
  const cpu = new Map<string, number[]>();
  try {
    // both: each function without then with its cache, one after the other, in every run.
    const launches = names.split(',').flatMap((name) =>
      STOCK_BASELINES.has(name) || cacheMode !== 'both'
        ? [{ name, cached: withCache && !STOCK_BASELINES.has(name), key: name }]
        : [
            { name, cached: false, key: `${name} (none)` },
            { name, cached: true, key: `${name} (cache)` },
          ],
    );
    for (let run = 0; run < runs; run++)
      for (const { name, cached, key } of launches) {
        if (cached) restoreCache?.(name);
        const fn = await launchForColdStart(name, {
          node,
          sizing,
          databaseUrl: db.url,
          dist,
          cached,
        });
        cpu.set(key, [...(cpu.get(key) ?? []), processCpuMs(fn.pid)]);
        await fn.stop();
      }
  } finally {
    await db.drop();
  }
  const hello = cpu.has('hello') ? median(cpu.get('hello')!) : undefined;
  for (const [name, values] of cpu)
    process.stdout.write(
      `${name.padEnd(22)} CPU ms to first 2xx ${JSON.stringify(values)}, median ${median(values)}${hello ? `, ${(median(values) / hello).toFixed(2)}× hello` : ''}\n`,
    );
}

runTool(main);
