// CPU from spawn to first 2xx of each function against hello (not a figure: a tool for
// comparing levers; the README's cold start section used it):
//   node --import tsx bench/profile/cold-start-cpu.ts [--functions=hello,people,...] [--runs=3]
//     [--dist=dist/functions] [--build]
// Each is launched as the benchmark launches it (its bundle under the stock framework CLI with
// Terraform's Node flags), probed until its first 2xx, and its process's CPU read from /proc.
import { randomUUID } from 'node:crypto';
import { deployments } from '../../shared/deploy/functions';
import { createEvent } from '../../shared/events/envelope';
import { launchFunction } from '../../test/support/launcher';
import { benchDatabase } from '../lib/database';
import { buildBundles } from '../lib/functions';
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
  if (process.argv.includes('--build')) await buildBundles();
  const db = await benchDatabase('manifest_cold_start_cpu');
  const cpu = new Map<string, number[]>();
  try {
    for (let run = 0; run < runs; run++)
      for (const name of names.split(',')) {
        const fn = await launchFunction({
          name,
          source: name === 'hello' ? 'bench/baselines/hello.js' : `${dist}/${name}`,
          env: { LOG_LEVEL: 'warn', DATABASE_URL: db.url, DB_POOL_MAX: '5' },
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
