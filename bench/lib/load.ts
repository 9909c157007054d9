import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { ManifestEvent } from '../../shared/events/envelope';
import { LOAD_WORKER } from './functions';
import { ROOT } from './processes';

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
}

/** Runs autocannon in a separate process against a URL; throws when any request failed. */
export async function load(options: {
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
}): Promise<LoadResult> {
  const { stdout } = await run(
    process.execPath,
    [LOAD_WORKER, JSON.stringify({ connections: 16, ...options })],
    {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  const result = JSON.parse(stdout) as LoadResult;
  if (!options.allowNon2xx && (result.non2xx > 0 || result.errors > 0)) {
    throw new Error(
      `load on ${options.url} had ${result.non2xx} non-2xx answers and ${result.errors} errors: ${JSON.stringify(result.statusCodes)}`,
    );
  }
  return result;
}
