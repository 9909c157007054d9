import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

/** Resident set and its high-water mark of a live process, in MiB (Linux /proc: VmRSS, VmHWM). */
export function memoryMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1]);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/** A child process with its output collected and its peak memory sampled until it exits. */
export interface Watched {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  /** The highest VmHWM seen (sampled every 100 ms, and just before exit where possible). */
  peakMiB(): number;
  stop(): Promise<void>;
}

export function watch(
  command: string,
  args: string[],
  env: Record<string, string | undefined> = {},
): Watched {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Keep the first and the last 64 KiB: start-up messages and the end, not every log line of a load test.
  let head = '';
  let tail = '';
  const collect = (c: Buffer) => {
    if (head.length < 65536) head += c.toString();
    else tail = (tail + c.toString()).slice(-65536);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const output = () => head + tail;
  let peak = 0;
  const sample = () => {
    const now = child.pid ? memoryMiB(child.pid)?.peak : undefined;
    if (now && now > peak) peak = now;
  };
  const timer = setInterval(sample, 100);
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      clearInterval(timer);
      done(code);
    }),
  );
  return {
    child,
    output,
    exited,
    peakMiB: () => (sample(), peak),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

/** Waits until `probe` returns true (polling), or throws after `timeoutMs`. */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs = 60000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
