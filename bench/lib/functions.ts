import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ROOT, until, watch, type Watched } from './processes';

export const FRAMEWORK = join(
  ROOT,
  'node_modules/@google-cloud/functions-framework/build/src/main.js',
);

/** Builds the deployable bundles (npm run build) once per bench run. */
export async function buildBundles(): Promise<void> {
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], {
    cwd: ROOT,
  });
}

/** The size of a function's bundle, in KiB. */
export function bundleKiB(name: string): number {
  return statSync(join(ROOT, 'dist/functions', name, 'index.js')).size / 1024;
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
): Promise<RunningFunction> {
  const port = await freePort();
  const watched = watch(
    process.execPath,
    [
      // The flags Terraform deploys a 256 MiB function with (terraform/functions.tf).
      '--enable-source-maps',
      '--max-old-space-size=96',
      FRAMEWORK,
      `--target=${name}`,
      `--source=dist/functions/${name}`,
      `--port=${port}`,
    ],
    { LOG_LEVEL: 'warn', ...env },
  );
  const url = `http://127.0.0.1:${port}`;
  if (probe) {
    await until(`${name} to serve ${probe}`, async () => (await fetch(`${url}${probe}`)).ok, 60000);
  } else {
    await until(`${name} to start`, async () => /Serving function/.test(watched.output()), 60000);
  }
  return { name, url, process: watched, stop: () => watched.stop() };
}
