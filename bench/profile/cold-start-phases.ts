// Where a cold start's CPU goes, by package and by phase, against hello and the floor (not a
// figure: the profile behind the README's cold start and floor sections):
//   node --import tsx bench/profile/cold-start-phases.ts [--functions=hello,hello-db,people,stats]
//     [--runs=9] [--node=/path/to/node] [--interval-us=1000] [--min-ms=1] [--build]
// Each is launched as cold-start-cpu.ts launches it (its bundle under the stock framework CLI,
// Terraform's Node flags, the image build's caches; hello and hello-db without) with
// `--cpu-prof`, probed until its first 2xx; its profile, cut at that moment, is split into
// loading and the first request (bench/lib/cpu-profile.ts), each sample's time given to the
// package or file of ours whose code was running or had called into Node (a bundle's frames
// through its source map). Printed: the median over the runs of each row, in ms. The profiler
// costs time of its own (more at a shorter --interval-us): compare columns, not absolute times.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deployments } from '../../shared/deploy/functions';
import { ROOT } from '../../test/support/processes';
import { benchDatabase } from '../lib/database';
import { phaseTimes, packageOf, type CpuProfile, type FrameOwner } from '../lib/cpu-profile';
import {
  buildBundles,
  launchForColdStart,
  STOCK_BASELINES as STOCK,
  tfvarsSizing,
  writeCompileCaches,
} from '../lib/functions';
import { processCpuMs } from '../lib/process-cpu';
import { median, option, runTool, UsageError } from './proc-cpu';

/** The owner of a function folder's index.js, which reads the bundle and its code cache. */
const LOADER = 'bundle: index.js (the code cache loader)';

/** A bundle's source map, read once per file (undefined: it has none). */
const sourceMaps = new Map<string, SourceMap | undefined>();
function sourceMapOf(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    let map: SourceMap | undefined;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    } catch {
      map = undefined;
    }
    sourceMaps.set(file, map);
  }
  return sourceMaps.get(file);
}

/**
 * Who a frame belongs to: an installed package by name; inside a bundle, the package or the
 * folder of ours (shared/http, ...) its source map gives, after "bundle:"; a bundle's loader
 * (index.js: reading its code cache) by that name; Node's own frames to their caller.
 */
const frameOwner: FrameOwner = (frame) => {
  if (!frame.url || frame.url.startsWith('node:')) return undefined;
  const file = frame.url.startsWith('file:') ? fileURLToPath(frame.url) : frame.url;
  const path = relative(ROOT, file);
  if (!path.startsWith('dist/')) return packageOf(path) ?? path;
  if (basename(path) === 'index.js') return LOADER;
  const map = sourceMapOf(file);
  if (!map) return `bundle: ${basename(path)}`;
  if (frame.lineNumber < 0) return 'bundle: (its module wrapper)';
  const entry = map.findEntry(frame.lineNumber, frame.columnNumber);
  const source = 'originalSource' in entry ? entry.originalSource : undefined;
  if (!source) return 'bundle: (unmapped)';
  const original = relative(ROOT, fileURLToPath(new URL(source, `file://${dirname(file)}/`)));
  return `bundle: ${packageOf(original) ?? original.split('/').slice(0, 2).join('/')}`;
};

async function main(): Promise<void> {
  const names = option('functions', 'hello,hello-db,people,stats').split(',');
  const runs = Number(option('runs', '9'));
  const node = option('node', process.execPath);
  const intervalUs = Number(option('interval-us', '1000'));
  const minMs = Number(option('min-ms', '1'));
  const known = new Set([...STOCK.keys(), ...deployments.map((d) => d.name)]);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) throw new UsageError(`unknown function(s): ${unknown.join(', ')}`);
  if (!(runs >= 1) || !(intervalUs >= 50)) throw new UsageError('--runs ≥ 1, --interval-us ≥ 50');
  if (process.argv.includes('--build')) await buildBundles();
  const sizing = await tfvarsSizing('production');
  const restoreCache = writeCompileCaches(
    node,
    names.filter((name) => !STOCK.has(name)),
  );
  const db = await benchDatabase('manifest_cold_start_phases');
  const rows = new Map<string, Map<string, number[]>>();
  const record = (row: string, name: string, value: number) => {
    const byName = rows.get(row) ?? new Map<string, number[]>();
    rows.set(row, byName);
    byName.set(name, [...(byName.get(name) ?? []), value]);
  };
  try {
    for (let run = 0; run < runs; run++)
      for (const name of names) {
        if (!STOCK.has(name)) restoreCache(name);
        const dir = mkdtempSync(join(tmpdir(), `cold-start-phases-${name}-`));
        const fn = await launchForColdStart(name, {
          node,
          sizing,
          databaseUrl: db.url,
          nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${intervalUs}`],
        });
        // The profile's clock is V8's monotonic one, as hrtime's: µs since the same origin.
        const answeredUs = Number(process.hrtime.bigint() / 1000n);
        record('= wall clock to first 2xx', name, fn.coldStartMs);
        record('= process CPU to first 2xx (/proc)', name, processCpuMs(fn.pid));
        await fn.stop(); // the profile is written as it exits
        const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
        if (!file) throw new Error(`${name} wrote no CPU profile in ${dir}`);
        const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
        rmSync(dir, { recursive: true, force: true });
        for (const [phase, owners] of phaseTimes(profile, frameOwner, answeredUs)) {
          let bundleCode = 0;
          for (const [owner, ms] of owners) {
            record(`${phase}: ${owner}`, name, ms);
            if (owner.startsWith('bundle: ') && owner !== LOADER) bundleCode += ms;
          }
          record(`${phase}: bundle, its code in all (the rows "bundle: ...")`, name, bundleCode);
        }
      }
  } finally {
    await db.drop();
  }
  // A row a run did not have counts 0 in that run.
  const medianOf = (row: string, name: string) => {
    const values = rows.get(row)?.get(name) ?? [];
    return median([...values, ...Array<number>(runs - values.length).fill(0)]);
  };
  // The process's totals, then each phase: its total first, then its rows, largest first.
  const group = (row: string) => (row.startsWith('=') ? 0 : row.startsWith('load') ? 1 : 2);
  const largest = (row: string) =>
    row.endsWith(': total') ? Infinity : Math.max(...names.map((n) => medianOf(row, n)));
  const shown = [...rows.keys()]
    .filter((row) => row.startsWith('=') || names.some((n) => medianOf(row, n) >= minMs))
    .sort((a, b) => group(a) - group(b) || largest(b) - largest(a));
  const width = Math.max(...shown.map((row) => row.length)) + 2;
  process.stdout.write(
    `${`ms, median of ${runs} (node ${node === process.execPath ? process.version : node})`.padEnd(width)}${names.map((n) => n.padStart(14)).join('')}\n`,
  );
  for (const row of shown)
    process.stdout.write(
      `${row.padEnd(width)}${names.map((n) => medianOf(row, n).toFixed(1).padStart(14)).join('')}\n`,
    );
  process.stdout.write(
    `(rows under ${minMs} ms in every column left out; a row's median need not add up to its phase's total)\n`,
  );
}

runTool(main);
