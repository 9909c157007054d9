import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/build';
import { freePort, ROOT, until, watch, type Watched } from './processes';

export const FRAMEWORK = join(
  ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

/** Where the baseline served by the stock framework is bundled (like a function, same externals). */
export const FRAMEWORK_BASELINE = 'dist/bench/framework-people';

/** The load generator, bundled so each of its many runs starts in milliseconds, not tsx's second. */
export const LOAD_WORKER = 'dist/bench/load-worker.js';

/**
 * Builds, once per bench run: the deployable bundles (npm run build), the framework baseline,
 * and the load generator.
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
    entryPoints: [join(ROOT, 'bench/lib/load-worker.ts')],
    outfile: join(ROOT, LOAD_WORKER),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    packages: 'external',
    logLevel: 'warning',
  });
}

/** The size of a function's bundle, in KiB. */
export function bundleKiB(name: string): number {
  return statSync(join(ROOT, 'dist/functions', name, 'index.js')).size / 1024;
}

/**
 * node's arguments for a function as Cloud Run starts it: the flags Terraform deploys a 256 MiB
 * function with (NODE_OPTIONS in terraform/declarations.tf and modules/cloud-function/main.tf).
 */
export function deployedArgs(target: string, source: string): string[] {
  return [
    '--enable-source-maps',
    '--max-old-space-size=96',
    FRAMEWORK,
    `--target=${target}`,
    `--source=${source}`,
  ];
}

/** A function as deployed: the stock functions-framework CLI serving its bundle. */
export interface RunningFunction {
  name: string;
  url: string;
  process: Watched;
  stop(): Promise<void>;
}

/**
 * Starts a function's bundle with the stock CLI, as Cloud Run does, and waits until it
 * serves (`probe` is a path that must answer 2xx; event functions are ready when the
 * framework says so).
 */
export async function startFunction(
  name: string,
  env: Record<string, string | undefined>,
  probe?: string,
  source = `dist/functions/${name}`,
): Promise<RunningFunction> {
  const port = await freePort();
  const watched = watch(process.execPath, [...deployedArgs(name, source), `--port=${port}`], {
    LOG_LEVEL: 'warn',
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  if (probe) {
    await until(`${name} to serve ${probe}`, async () => (await fetch(`${url}${probe}`)).ok, 60000);
  } else {
    await until(`${name} to start`, async () => /Serving function/.test(watched.output()), 60000);
  }
  return { name, url, process: watched, stop: () => watched.stop() };
}
