import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { logScanner, type LogScan } from './log-scan';

export const ROOT = resolve(__dirname, '../..');
export const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/**
 * The kernel's range for the local ports of outgoing connections (Linux), where it can be read.
 * A port handed out from it is free only until the next connection takes it as its own.
 */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // not Linux, or no /proc: the kernel's default range
  }
  return [32768, 60999];
}

/** The lowest port freePort picks: over the well-known and most registered services' ports. */
const LOWEST_PICKED_PORT = 10000;

/** Whether something can listen on `port` now, on every address as the framework does. */
function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

/**
 * A port free to listen on, for a process started next. Picked under the kernel's ephemeral
 * range rather than from it: a port the kernel hands out (listen on 0) is released before the
 * child binds it, and in that gap any outgoing connection (a database client, a load generator)
 * may take it as its local port, and the child fails with EADDRINUSE (seen in a full bench run).
 * Outgoing connections never take a port under the range, so only another listener can.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralPortRange();
  if (low - LOWEST_PICKED_PORT >= 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = LOWEST_PICKED_PORT + Math.floor(Math.random() * (low - LOWEST_PICKED_PORT));
      if (await canListen(port)) return port;
    }
  }
  // No room under the range (a custom ip_local_port_range): one the kernel hands out.
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

/** A child process whose output is read line by line as it comes. */
export interface Child {
  process: ChildProcess;
  pid: number;
  /** What it printed: the first MiB and the last 64 KiB (start-up and the end, not a load test's every line). */
  output(): string;
  /** Resolves with the first output line matching `pattern`; fails if it exits first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Its exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  /** Every line it printed, counted by severity (see log-scan.ts). */
  logs(): LogScan;
  /** The highest VmHWM seen, in MiB (sampled every 100 ms and on each call). */
  peakMiB(): number;
  /**
   * SIGTERM, then SIGKILL if it has not exited within `graceMs` (Cloud Run's 10 s by default).
   * @returns its exit code
   */
  stop(graceMs?: number): Promise<number | null>;
}

const HEAD = 1024 * 1024;
const TAIL = 64 * 1024;

/**
 * Spawns a command in the project root with the test's environment plus `env`. `detached`
 * gives it a process group of its own, which `stop()` then signals as a whole.
 */
export function startChild(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
  options: { detached?: boolean } = {},
): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.detached ?? false,
  });
  let head = '';
  let tail = '';
  let partial = '';
  const scanner = logScanner();
  const waiters = new Set<{ pattern: RegExp; done: (line: string) => void }>();
  const onLine = (line: string) => {
    scanner.add(line);
    for (const waiter of waiters) if (waiter.pattern.test(line)) waiter.done(line);
  };
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    if (head.length < HEAD) head += text;
    else tail = (tail + text).slice(-TAIL);
    const lines = (partial + text).split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const output = () => (tail ? `${head}\n[...]\n${tail}` : head);

  let peak = 0;
  const sample = () => {
    const now = child.pid ? memoryMiB(child.pid)?.peak : undefined;
    if (now && now > peak) peak = now;
  };
  const sampler = setInterval(sample, 100).unref();
  let ended = false;
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      ended = true;
      clearInterval(sampler);
      onLine(partial);
      partial = '';
      done(code);
    }),
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      if (options.detached) process.kill(-child.pid!, name);
      else child.kill(name);
    } catch {
      // gone already
    }
  };

  return {
    process: child,
    pid: child.pid!,
    output,
    exited,
    logs: () => scanner.scan,
    peakMiB: () => (sample(), peak),
    waitFor: (pattern, timeoutMs = 60000) =>
      new Promise((done, fail) => {
        const match = pattern.exec(output());
        if (match) return done(match[0]);
        const settle = (error: Error | undefined, line = '') => {
          waiters.delete(waiter);
          clearTimeout(timer);
          if (error) fail(error);
          else done(line);
        };
        const waiter = { pattern, done: (line: string) => settle(undefined, line) };
        const timer = setTimeout(
          () => settle(new Error(`timed out waiting for ${pattern}; output:\n${output()}`)),
          timeoutMs,
        );
        waiters.add(waiter);
        void exited.then((code) =>
          settle(new Error(`exited with ${code} before ${pattern}; output:\n${output()}`)),
        );
      }),
    stop: async (graceMs = 10000) => {
      if (!ended) {
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/**
 * Writes a file into test-artifacts/ (git-ignored; kept by CI for reading after a run): an
 * object as indented JSON, text as is.
 * @param name a path inside test-artifacts/, e.g. `faults.json` or `browser/stats.png`
 * @returns the file's full path
 */
export function writeArtifact(name: string, content: unknown): string {
  const path = join(ROOT, 'test-artifacts', name);
  mkdirSync(dirname(path), { recursive: true });
  const data =
    typeof content === 'string' || Buffer.isBuffer(content)
      ? content
      : `${JSON.stringify(content, null, 2)}\n`;
  writeFileSync(path, data);
  return path;
}
