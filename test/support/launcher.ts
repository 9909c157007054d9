import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { bundle } from '../../scripts/build';
import { freePort, onCpus, ROOT, startChild, type Child } from './processes';
import {
  deployedNodeOptions,
  RUNTIME_COMPILE_CACHE_DIR,
  type Sizing,
} from '../../shared/deploy/sizing';
import { until } from './until';

/**
 * The one way tests and the benchmark run a function as Cloud Run does: the stock
 * functions-framework CLI serving its bundle (or its TypeScript source), with the NODE_OPTIONS
 * Terraform deploys it with (sizing.ts). The throttled harness (throttled.ts) builds on it.
 */
export const FRAMEWORK = join(
  ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

/**
 * When a launched function counts as started: a request that must answer 2xx, the framework's
 * "Serving function..." line (printed when listening, unless NODE_ENV is production), or at
 * once (a function expected to fail at start).
 */
export type Readiness = { path: string; init?: RequestInit } | 'serving' | 'spawned';

export interface LaunchOptions {
  /** The function's name, its --target. */
  name: string;
  /**
   * What the CLI serves, from the repository root: a bundle directory (default
   * dist/functions/<name>, what `npm run build` writes) or a file; a `.ts` file runs under tsx.
   */
  source?: string;
  /**
   * Added to the test's environment. NODE_OPTIONS is not taken: it is Terraform's.
   * NODE_COMPILE_CACHE is Terraform's too (the bundle folder's .compile-cache, see
   * scripts/compile-cache.ts), unless given here (undefined: none).
   */
  env?: Record<string, string | undefined>;
  /** The Terraform sizing whose Node flags to use (default: Terraform's default, 256Mi). */
  sizing?: Sizing;
  ready?: Readiness;
  /** How often readiness is probed, in ms (default 20; cold-start measurements use less). */
  probeEveryMs?: number;
  /** Spawn through this command first (the throttled harness joins a cgroup so). */
  prefix?: string[];
  /** A process group of its own (the throttled harness stops and signals it whole). */
  detached?: boolean;
  /** The Node.js binary to run it with (default: the one running the tests). */
  node?: string;
  /** Node flags before the CLI's path, for a measurement (`--cpu-prof`); Terraform's stay in NODE_OPTIONS. */
  nodeFlags?: string[];
  /**
   * Runs it on these CPUs only (a list as taskset takes it, e.g. "1"): its affinity, set
   * before anything else runs and inherited by its threads (bench/lib/cpu-placement.ts).
   */
  cpus?: string;
}

/** A function process launched as deployed, on its own loopback port. */
export interface LaunchedFunction extends Child {
  name: string;
  /** Where it listens (no trailing slash). */
  url: string;
  /** performance.now() when it was spawned. */
  spawnedAt: number;
  /** Milliseconds from spawn until it was ready (0 with ready 'spawned'). */
  coldStartMs: number;
}

/** Starts a function as deployed and waits until it is ready (by default, "Serving function"). */
export async function launchFunction(options: LaunchOptions): Promise<LaunchedFunction> {
  const { name, source = `dist/functions/${name}`, env = {}, sizing = {} } = options;
  if ('NODE_OPTIONS' in env)
    throw new Error('launchFunction sets NODE_OPTIONS as Terraform does; pass a sizing instead');
  const port = await freePort();
  const nodeOptions = deployedNodeOptions(sizing);
  const args = [FRAMEWORK, `--target=${name}`, `--source=${source}`, `--port=${port}`];
  const node = options.node ?? process.execPath;
  const [command, ...commandArgs] = onCpus(options.cpus, [
    ...(options.prefix ?? []),
    node,
    ...(options.nodeFlags ?? []),
    ...args,
  ]);
  const spawnedAt = performance.now();
  // As Terraform's NODE_COMPILE_CACHE names the image's: where a bundle folder's cache is.
  const compileCache = /\.[cm]?[jt]s$/.test(source)
    ? undefined
    : resolve(ROOT, source, RUNTIME_COMPILE_CACHE_DIR);
  const child = startChild(
    command!,
    commandArgs,
    {
      NODE_COMPILE_CACHE: compileCache,
      ...env,
      NODE_OPTIONS: source.endsWith('.ts') ? `--import tsx ${nodeOptions}` : nodeOptions,
    },
    { detached: options.detached ?? false },
  );
  const fn: LaunchedFunction = {
    ...child,
    name,
    url: `http://127.0.0.1:${port}`,
    spawnedAt,
    coldStartMs: 0,
  };
  const ready = options.ready ?? 'serving';
  if (ready === 'spawned') return fn;
  try {
    fn.coldStartMs = await whenReady(fn, fn.url, ready, options.probeEveryMs);
  } catch (error) {
    await child.stop(0);
    throw error;
  }
  return fn;
}

/**
 * Waits until a launched function is ready, probing `url` (its own, or a proxy in front of it).
 * @returns milliseconds from its spawn until then
 */
export async function whenReady(
  fn: LaunchedFunction,
  url: string,
  ready: Exclude<Readiness, 'spawned'>,
  probeEveryMs = 20,
): Promise<number> {
  const what = ready === 'serving' ? 'to serve' : `to answer ${ready.path} with a 2xx`;
  try {
    await until(
      `${fn.name} ${what}`,
      async () => {
        if (fn.process.exitCode !== null || fn.process.signalCode !== null)
          throw new Error(`${fn.name} exited before it was ready`);
        if (ready === 'serving') return /Serving function/.test(fn.output());
        const res = await fetch(`${url}${ready.path}`, ready.init).catch(() => undefined);
        if (res && !res.ok) await res.arrayBuffer();
        return res?.ok;
      },
      60000,
      probeEveryMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; its output:\n${fn.output().slice(0, 16384)}`, {
      cause: error,
    });
  }
  return performance.now() - fn.spawnedAt;
}

/**
 * Bundles one function with `npm run build`'s own bundle(), into a directory of its own under
 * dist/ (inside the repository, so the packages left out of the bundle resolve from
 * node_modules), so a test never races another over dist/functions.
 * @returns the bundle's directory (for `source`) and a function that removes it
 */
export async function bundleFunction(name: string): Promise<{ source: string; remove(): void }> {
  const dir = join(ROOT, 'dist/test', `${name}-${process.pid}-${Date.now()}`);
  await bundle(name, dir);
  return { source: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
