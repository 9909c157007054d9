import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const TSX = resolve(ROOT, 'node_modules/.bin/tsx');

/** A free loopback port (bound, then released). */
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

/** A child process whose output is collected; `waitFor` resolves when a line matches. */
export interface Child {
  process: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

/** Spawns a command in the project root with extra environment variables. */
export function startChild(
  command: string,
  args: string[],
  env: Record<string, string | undefined>,
): Child {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { pattern: RegExp; done: (line: string) => void }[] = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of [...waiters]) {
      const match = waiter.pattern.exec(output);
      if (match) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.done(match[0]);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    process: child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60000) =>
      new Promise((done, fail) => {
        const match = pattern.exec(output);
        if (match) return done(match[0]);
        const timer = setTimeout(
          () => fail(new Error(`timed out waiting for ${pattern}; output:\n${output}`)),
          timeoutMs,
        );
        waiters.push({ pattern, done: (line) => (clearTimeout(timer), done(line)) });
        void exited.then((code) =>
          fail(new Error(`exited with ${code} before ${pattern}; output:\n${output}`)),
        );
      }),
  };
}

/**
 * One function of `functions/` served by the stock functions-framework CLI, as Cloud Run starts
 * it, on its TypeScript source (tsx), with extra environment variables.
 */
export function startFunctionCli(
  target: string,
  port: number,
  env: Record<string, string | undefined>,
): Child {
  return startChild(
    process.execPath,
    [
      'node_modules/.bin/functions-framework',
      `--target=${target}`,
      `--source=functions/${target}/index.ts`,
      `--port=${port}`,
    ],
    { NODE_OPTIONS: '--import tsx', ...env },
  );
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
