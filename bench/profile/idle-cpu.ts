// CPU of a warm instance's first requests after an idle spell (not a figure: the tool behind
// the README's finding that an instance idle for half a minute is slower at first):
//   node --import tsx bench/profile/idle-cpu.ts [--idle=2,40,2,40,2,40] [--requests=1000]
//     [--batches=3] [--warm=30000] [--node=/path/to/node] [--node-flags=--no-memory-reducer]
//     [--vcpu=0.1] [--freeze] [--path=/people/<uuid>] [--build]
// Serves the people bundle under the stock functions-framework CLI with production's Node
// flags for people (the tfvars' sizing), warms it, then for each idle spell waits that many
// seconds and sends --batches batches of --requests requests (autocannon, 16 connections) to a
// path (--path; by default one answered 400 without the database; a uuid no row has is answered
// 404 after the database's lookup), and prints each batch's server CPU (all its threads,
// from /proc) and how many of V8's memory-reducing collections ran in the spell (`--trace-gc`
// names them "(reduce)"). --node-flags are passed to node itself: V8 flags such as
// --no-memory-reducer are refused in NODE_OPTIONS, which is all a deployed function can set.
// --vcpu serves it in a cgroup of its own capped at that CPU share (a CFS quota, as the throttled
// harness gives it). --freeze stops the process in a freezer cgroup through each idle spell
// and thaws it for the batches, as Cloud Run takes an idle instance's CPU (its timers then fire
// late, at the thaw); without it the process keeps its CPU share through the spells.
import type { SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { benchDatabase } from '../lib/database';
import { cgroupsUnavailable } from '../../test/support/cgroups';
import { buildBundles, tfvarsSizing } from '../lib/functions';
import { FRAMEWORK } from '../../test/support/launcher';
import { freePort } from '../../test/support/processes';
import { deployedNodeOptions } from '../../shared/deploy/sizing';
import { processCpuMs } from '../lib/process-cpu';
import { median, option, runTool, UsageError } from './proc-cpu';
import { spawnInCgroup, vcpuOption } from './quota';

function requests(url: string, amount: number): Promise<number> {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections: 16, amount }, (error, result) =>
      error ? reject(error) : resolve(result.requests.total),
    ),
  );
}

async function main(): Promise<void> {
  const idles = option('idle', '2,40,2,40,2,40').split(',').map(Number);
  const amount = Number(option('requests', '1000'));
  const batches = Number(option('batches', '3'));
  const warm = Number(option('warm', '30000'));
  if (idles.some((s) => !(s >= 0)) || !(amount > 0) || !(batches > 0) || !(warm > 0))
    throw new UsageError('--idle takes seconds (2,40,...); --requests, --batches, --warm counts');
  const vcpu = vcpuOption();
  const freeze = process.argv.includes('--freeze');
  const noFreezer = freeze ? cgroupsUnavailable() : undefined;
  if (noFreezer) throw new UsageError(`--freeze needs a freezer cgroup: ${noFreezer}`);
  const path = option('path', '/people/not-a-uuid');
  if (!path.startsWith('/')) throw new UsageError(`--path must start with /, not ${path}`);
  if (process.argv.includes('--build')) await buildBundles();
  const node = option('node', process.execPath);
  const sizing = (await tfvarsSizing('production'))('people');
  const flags = [...deployedNodeOptions(sizing).split(' '), ...option('node-flags', '').split(' ')];
  const db = await benchDatabase('manifest_idle_cpu');
  const port = await freePort();
  const args = ['--trace-gc', ...flags.filter(Boolean), FRAMEWORK, '--target=people'];
  const served = [...args, '--source=dist/functions/people', `--port=${port}`];
  const options: SpawnOptions = {
    env: { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: 'warn', DB_POOL_MAX: '5' },
    stdio: ['ignore', 'pipe', 'inherit'],
  };
  const { child, freezer, removeCgroup } = spawnInCgroup(
    'idle-cpu',
    node,
    served,
    options,
    vcpu,
    freeze,
  );
  // By line: a chunk of the pipe can end inside a trace line.
  let reducing = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.includes('Mark-Compact (reduce)')) reducing++;
  });
  const url = `http://127.0.0.1:${port}${path}`;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error('the people bundle exited before it answered');
      if (await fetch(url).catch(() => undefined)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await requests(url, warm); // the JIT and the heap at their steady state
    const after: Record<'reduced' | 'short' | 'long', number[]> = {
      reduced: [],
      short: [],
      long: [],
    };
    const share = vcpu === undefined ? 'full CPU' : `${vcpu} vCPU`;
    process.stdout.write(
      `people, ${args.slice(0, -2).join(' ')}, ${share}${freeze ? ', frozen when idle' : ''}, GET ${path}: CPU ms per ${amount}\n`,
    );
    for (const idle of idles) {
      const reducingBefore = reducing;
      await freezer?.freeze();
      await new Promise((resolve) => setTimeout(resolve, idle * 1000));
      freezer?.thaw();
      const spent: number[] = [];
      for (let batch = 0; batch < batches; batch++) {
        const before = processCpuMs(child.pid!);
        const answered = await requests(url, amount);
        spent.push(((processCpuMs(child.pid!) - before) * amount) / answered);
      }
      const reduced = reducing - reducingBefore;
      const kind = reduced > 0 ? 'reduced' : idle >= 30 ? 'long' : 'short';
      after[kind].push(spent[0]!);
      process.stdout.write(
        `idle ${idle} s: ${spent.map(Math.round).join(', ')} ms; memory-reducing GCs in the spell: ${reduced}\n`,
      );
    }
    for (const [kind, firsts] of Object.entries(after))
      if (firsts.length)
        process.stdout.write(
          `first batch, ${kind === 'reduced' ? 'after a spell with memory-reducing GCs' : kind === 'long' ? 'after 30 s or more without them' : 'after a short spell'}: median ${Math.round(median(firsts))} ms of ${firsts.length}\n`,
        );
  } finally {
    freezer?.thaw(); // a frozen process cannot take its SIGTERM
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await removeCgroup();
    await db.drop();
  }
}

runTool(main);
