import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { deployedArgs } from '../../bench/lib/functions';
import { bundle } from '../../scripts/build';
import { freePort, ROOT } from './processes';
import { until } from './stack';

/**
 * Bundles one function with `npm run build`'s own bundle(), into a directory of its
 * own under dist/ (inside the repository, so the packages left out of the bundle resolve from
 * node_modules), so a test never races another over dist/functions.
 * @returns the bundle's directory (for --source) and a function that removes it
 */
export async function bundleFunction(name: string): Promise<{ source: string; remove(): void }> {
  const dir = join(ROOT, 'dist/test', `${name}-${process.pid}-${Date.now()}`);
  await bundle(name, dir);
  return { source: dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What a function process logged: every line counted by severity, the worrying ones kept. */
export interface LogScan {
  lines: number;
  bySeverity: Record<string, number>;
  /** Lines at ERROR or above (pino level 50+), the first 20. */
  errors: string[];
  /** Lines that speak of pool exhaustion or a connection wait timing out, the first 20. */
  poolErrors: string[];
  errorCount: number;
  poolErrorCount: number;
}

const ERROR_SEVERITIES = new Set(['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);
/** knex's KnexTimeoutError ("Timeout acquiring a connection. The pool is probably full..."), pg's own. */
const POOL_TROUBLE =
  /KnexTimeoutError|Timeout acquiring a connection|pool is probably full|timeout exceeded when trying to connect|too many clients|database unavailable/i;

/** A function served by the stock functions-framework CLI from its bundle, as Cloud Run runs it. */
export interface DeployedFunction {
  url: string;
  pid: number;
  logs(): LogScan;
  stop(): Promise<number | null>;
}

/**
 * Starts a bundled function with the flags Terraform deploys it with (deployedArgs) and waits
 * until `probe` answers 2xx. Its whole output is scanned line by line, not kept.
 */
export async function startDeployed(
  name: string,
  source: string,
  env: Record<string, string | undefined>,
  probe: string,
): Promise<DeployedFunction> {
  const port = await freePort();
  const child = spawn(process.execPath, [...deployedArgs(name, source), `--port=${port}`], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const scan: LogScan = {
    lines: 0,
    bySeverity: {},
    errors: [],
    poolErrors: [],
    errorCount: 0,
    poolErrorCount: 0,
  };
  let head = '';
  let partial = '';
  const onLine = (line: string) => {
    if (!line.trim()) return;
    scan.lines++;
    // A regex, not JSON.parse: tens of thousands of lines, read in the process that shares two
    // cores with the function under load. Unstructured lines (the framework's start-up text, a
    // crash's stack) count as TEXT.
    const severity = line.startsWith('{')
      ? (/"severity":"(\w+)"/.exec(line)?.[1] ?? 'DEFAULT')
      : 'TEXT';
    scan.bySeverity[severity] = (scan.bySeverity[severity] ?? 0) + 1;
    if (ERROR_SEVERITIES.has(severity)) {
      scan.errorCount++;
      if (scan.errors.length < 20) scan.errors.push(line.slice(0, 2000));
    }
    if (POOL_TROUBLE.test(line)) {
      scan.poolErrorCount++;
      if (scan.poolErrors.length < 20) scan.poolErrors.push(line.slice(0, 2000));
    }
  };
  const onData = (chunk: Buffer) => {
    const text = partial + chunk.toString();
    if (head.length < 16384) head += chunk.toString();
    const lines = text.split('\n');
    partial = lines.pop()!;
    lines.forEach(onLine);
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      onLine(partial);
      partial = '';
      done(code);
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  try {
    await until(
      `${name} to serve ${probe}`,
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited before serving`);
        const ok = await fetch(`${url}${probe}`).then(
          (res) => res.ok,
          () => false,
        );
        return ok || undefined;
      },
      60000,
      100,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${(error as Error).message}:\n${head}`, { cause: error });
  }
  return {
    url,
    pid: child.pid!,
    logs: () => scan,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}
