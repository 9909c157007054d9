import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from '../../test/support/processes';

/** What the open-loop generator is asked to do (open-loop-worker.ts). */
export interface OpenLoopOptions {
  url: string;
  /** Request i goes to paths[i % paths.length]. */
  paths: string[];
  /** When each request is sent, in ms from the start (sorted). */
  arrivalsMs: number[];
}

/** One request's outcome. */
export interface OpenLoopOutcome {
  atMs: number;
  /** How late it was sent against its time (the generator's own lag on a loaded machine). */
  lagMs: number;
  /** Sent to answered in full, ms. */
  latencyMs?: number;
  status?: number;
  error?: string;
}

/** Sends the requests at their times from a process of its own; each request's outcome. */
export async function openLoop(options: OpenLoopOptions): Promise<OpenLoopOutcome[]> {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-open-loop-'));
  const file = join(dir, 'options.json');
  writeFileSync(file, JSON.stringify(options));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'bench/lib/open-loop-worker.ts', file],
      { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(stdout) as OpenLoopOutcome[];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
