import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/build';
import { NODE22, NODE22_BINARY } from '../../scripts/fetch-node22';
import { COMPILE_CACHE_DIR } from '../../scripts/compile-cache';
import { BUNDLE_FILE } from '../../shared/runtime/code-cache';
import { parseHcl } from '../../test/infra/support/terraform';
import { launchFunction, type LaunchedFunction } from '../../test/support/launcher';
import { ROOT } from '../../test/support/processes';
import { PUSH_PATH, personCreated, pushDelivery } from './push';
import type { Sizing } from '../../shared/deploy/sizing';

/** Where the baseline served by the stock framework is bundled (like a function, same externals). */
export const FRAMEWORK_BASELINE = 'dist/bench/framework-people';

/**
 * Where the database function baseline of the cold starts is bundled (bench/baselines/hello-db.js):
 * a file, not a folder, so that like hello it runs without a compile cache (the launcher gives a
 * bundle folder its NODE_COMPILE_CACHE).
 */
export const DATABASE_BASELINE = 'dist/bench/hello-db.js';

/** The cold starts' baselines, served by the stock framework without a compile cache: their sources. */
export const STOCK_BASELINES: ReadonlyMap<string, string> = new Map([
  ['hello', 'bench/baselines/hello.js'],
  ['hello-db', DATABASE_BASELINE],
]);

/** The request whose first 2xx ends a function's cold start: its cheapest real work. */
export function firstAnswerProbe(name: string): { path: string; init?: RequestInit } {
  switch (name) {
    case 'hello':
    case 'hello-db':
      return { path: '/' };
    case 'people':
      return { path: '/people?limit=1' };
    case 'stats':
    case 'health':
      return { path: `/${name}` };
    default:
      // Event functions: one push delivery (relay-outbox ignores what the tick carries).
      return {
        path: PUSH_PATH,
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: pushDelivery(personCreated()),
        },
      };
  }
}

/**
 * Starts a function (its bundle in `dist`, with the Node flags of its `sizing` and, unless
 * `cached` is false, the compile and code caches the image's build writes) or a stock baseline
 * (its file, Terraform's default flags, no cache) as the cold-start tools measure it: probed every
 * 5 ms until its first answer's 2xx.
 */
export function launchForColdStart(
  name: string,
  options: {
    node: string;
    sizing: (name: string) => Sizing;
    databaseUrl: string;
    dist?: string;
    cached?: boolean;
    nodeFlags?: string[];
  },
): Promise<LaunchedFunction> {
  const { node, sizing, databaseUrl, dist = 'dist/functions', cached = true, nodeFlags } = options;
  const stock = STOCK_BASELINES.get(name);
  return launchFunction({
    name,
    node,
    nodeFlags,
    sizing: stock ? {} : { memory: sizing(name).memory },
    source: stock ?? `${dist}/${name}`,
    env: {
      LOG_LEVEL: 'warn',
      DATABASE_URL: databaseUrl,
      DB_POOL_MAX: '5',
      ...(cached ? {} : { NODE_COMPILE_CACHE: undefined }),
    },
    ready: firstAnswerProbe(name),
    probeEveryMs: 5,
  });
}

/** The load generator, bundled so each of its many runs starts in milliseconds, not tsx's second. */
export const LOAD_WORKER = 'dist/bench/load-worker.js';

/** A Node.js to serve on: its binary, and how a figure's notes name it. */
export interface NodeBinary {
  binary: string;
  name: string;
}

/**
 * The Node.js a steady-state figure serves on: the cloud's (Node 22, the runtime
 * scripts/pipeline/images.sh builds every image on) when fetched (npm run fetch:node22), as the
 * deployed functions run; else the machine's, said on stderr. `name` says which, for a figure's
 * notes.
 */
export function deployedNode(): NodeBinary {
  if (existsSync(NODE22_BINARY)) return { binary: NODE22_BINARY, name: `Node ${NODE22.version}` };
  process.stderr.write(
    `bench: no ${NODE22_BINARY} (npm run fetch:node22): serving on the machine's Node ${process.version}, not the cloud's ${NODE22.version}\n`,
  );
  return { binary: process.execPath, name: `Node ${process.version} (the machine's)` };
}

/**
 * Bundles bench/baselines/framework-people-with.ts with these behaviours (its comment names
 * them), for bench/profile/cpu-per-request.ts. @returns the bundle's folder
 */
export async function buildFrameworkBaselineWith(behaviours: string[]): Promise<string> {
  const folder = `dist/bench/framework-people-with/${behaviours.join('+')}`;
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'bench/baselines/framework-people-with.ts')],
    outfile: join(ROOT, folder, 'index.js'),
    define: { BEHAVIOURS: JSON.stringify(behaviours.join(',')) },
  });
  return folder;
}

/**
 * Builds, once per bench run: the deployable bundles (npm run build), the framework baseline,
 * the database function baseline of the cold starts, and the load generator.
 */
export async function buildBundles(): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: ROOT,
  });
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'bench/baselines/framework-people.ts')],
    outfile: join(ROOT, FRAMEWORK_BASELINE, 'index.js'),
  });
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'bench/baselines/hello-db.js')],
    outfile: join(ROOT, DATABASE_BASELINE),
  });
  await build({
    entryPoints: [join(ROOT, 'bench/lib/load-worker.ts')],
    outfile: join(ROOT, LOAD_WORKER),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
}

/**
 * Writes each bundle's compile cache with `node` as the image's build does (its gcp-build,
 * scripts/compile-cache.ts), and keeps a copy to put back before each cold start: a process
 * adds what it compiled to the cache when it exits, which a new instance's image never has.
 * @returns a function putting a function's cache back as written
 */
export function writeCompileCaches(node: string, names: string[]): (name: string) => void {
  const cacheOf = (name: string) => join(ROOT, 'dist/functions', name, COMPILE_CACHE_DIR);
  const kept = (name: string) => join(ROOT, 'dist/bench/compile-cache', name);
  for (const name of names) {
    execFileSync(node, [join(ROOT, 'dist/functions', name, 'compile-cache.js')], {
      stdio: 'ignore',
    });
    rmSync(kept(name), { recursive: true, force: true });
    cpSync(cacheOf(name), kept(name), { recursive: true });
  }
  return (name) => {
    rmSync(cacheOf(name), { recursive: true, force: true });
    cpSync(kept(name), cacheOf(name), { recursive: true });
  };
}

/** The size of a function's bundle, in KiB. */
export function bundleKiB(name: string): number {
  return statSync(join(ROOT, 'dist/functions', name, BUNDLE_FILE)).size / 1024;
}

/**
 * The sizing each function has in an environment's tfvars (terraform/envs/<environment>.tfvars;
 * a function the file leaves out gets Terraform's defaults).
 * @returns a function from a function's name to its sizing
 */
export async function tfvarsSizing(environment: string): Promise<(name: string) => Sizing> {
  const path = join(ROOT, 'terraform/envs', `${environment}.tfvars`);
  const tfvars = await parseHcl(path, readFileSync(path, 'utf8'));
  const functions = (tfvars.functions ?? {}) as Record<string, { sizing?: Sizing }>;
  return (name) => ({ memory: functions[name]?.sizing?.memory, cpu: functions[name]?.sizing?.cpu });
}
