import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ManifestEvent } from '../../shared/events/envelope';
import { LOAD_WORKER } from './functions';
import type { LoadByKind, LoadMixEntry } from './load-worker';
import { ROOT } from '../../test/support/processes';

const run = promisify(execFile);

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** With a mix: requests started and answers by status, per kind. */
  byKind?: LoadByKind;
}

/** What load() drives: one kind of request, or a mix, at `connections` for `seconds`. */
export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  paths?: string[];
  body?: string;
  headers?: Record<string, string>;
  connections?: number;
  seconds: number;
  allowNon2xx?: boolean;
  /** Push deliveries of this envelope, a fresh event id each (see load-worker.ts). */
  pushEvent?: ManifestEvent;
  /** Mixed traffic: kinds of requests by weight (see load-worker.ts). */
  mix?: LoadMixEntry[];
  /** Run the worker's TypeScript through tsx, not its bundle (for tests, which build no bundle). */
  fromSource?: boolean;
}

/**
 * Runs autocannon in a separate process against a URL; throws when any request failed. The
 * options go to the worker in a file, not on its command line: Linux caps one argument at
 * 128 KiB (MAX_ARG_STRLEN), and a mix over thousands of ids is larger (spawn E2BIG).
 */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const { fromSource, ...workerOptions } = options;
  const worker = fromSource ? ['--import', 'tsx', 'bench/lib/load-worker.ts'] : [LOAD_WORKER];
  const dir = mkdtempSync(join(tmpdir(), 'manifest-load-'));
  const optionsFile = join(dir, 'options.json');
  writeFileSync(optionsFile, JSON.stringify({ connections: 16, ...workerOptions }));
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, [...worker, optionsFile], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const result = JSON.parse(stdout) as LoadResult;
  // No request completed within the run (all still waiting when it ended): a rate of 0 would
  // read as a figure, and it is not one (the publishing POST figure once reported 0 so).
  if (result.total === 0)
    throw new Error(`load on ${options.url}: no request completed in ${options.seconds} s`);
  if (!options.allowNon2xx && (result.non2xx > 0 || result.errors > 0)) {
    throw new Error(
      `load on ${options.url} had ${result.non2xx} non-2xx answers and ${result.errors} errors: ${JSON.stringify(result.statusCodes)}`,
    );
  }
  return result;
}
