import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { logScanner, type LogScan } from './log-scan';

export const ROOT = resolve(__dirname, '../..');
export const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

export { freePort } from '../../scripts/free-port';

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

/** The CPUs each thread of a process may run on, as the kernel lists them ("0-1", "0"). */
export function threadCpus(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map(
    (tid) =>
      /Cpus_allowed_list:\s*(\S+)/.exec(
        readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'),
      )![1]!,
  );
}

/**
 * `command` (its program first) run on these CPUs only, when a list is given ("1", "0-2"):
 * through taskset, which sets the affinity and then execs it, so the pid is the program's.
 */
export function onCpus(cpus: string | undefined, command: string[]): string[] {
  return cpus ? ['taskset', '--cpu-list', cpus, ...command] : command;
}

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
