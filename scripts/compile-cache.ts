// Writes Node's compile cache (V8's compiled code: https://nodejs.org/api/module.html#module-compile-cache)
// for the function whose bundle folder this runs in, so an instance's cold start reads the
// framework's, Express's and the bundle's compiled code instead of compiling it again (about
// 35 ms of CPU per cold start at full CPU on Node 22; README "Cold start").
//
// `npm run build` puts this file, bundled, beside each function's index.js as compile-cache.js,
// with compile-cache.json (the function's name and the NODE_OPTIONS Terraform deploys it with)
// and names it as the folder's `gcp-build` script, which Google Cloud's buildpacks run when they
// build the image (scripts/pipeline/images.sh): the cache is then written by the image's own
// Node.js, at the path the function runs from (/workspace), as the runtime's user. Node keys
// the cache by all of these (its version, V8's flags, the user id and each file's path and
// contents), so it cannot be written anywhere else; where any of them differs at run time, Node
// compiles as it would without one. Terraform points NODE_COMPILE_CACHE at it
// (local.runtime_environment); the launcher does the same for a bundle folder
// (test/support/launcher.ts).
//
// It writes the function's code cache in the same folder too (shared/runtime/code-cache.ts:
// V8's code for the bundle after it has run, which Node's compile cache does not hold; about
// 40 to 60 ms of a cold start on Node 22).
//
// The warm-up starts the function as deployed (the functions framework's CLI, each set of
// NODE_OPTIONS in turn), waits until it serves, sends it its likely first request and a path
// it does not serve, and stops it: Node writes what it compiled, and the function its code
// cache, when the process exits. The build has no database, and the warm-up must not reach
// one: its only setting is a database URL on a loopback port nothing listens on, so the
// first request runs up to the refused connection (and answers 5xx, which is expected).
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { WRITE_CODE_CACHE } from '../shared/runtime/code-cache';
import { freePort } from './free-port';

/** The cache's folder, in the bundle folder (NODE_COMPILE_CACHE names it at run time). */
export const COMPILE_CACHE_DIR = '.compile-cache';

/** compile-cache.json: what the warm-up starts, and with which NODE_OPTIONS. */
export interface CompileCachePlan {
  target: string;
  /** Each set of NODE_OPTIONS Terraform deploys the function with (one per distinct sizing). */
  nodeOptions: string[];
  /** What the warm-up sends, in order (scripts/build.ts, warmUpRequests); any answer will do. */
  requests: WarmUpRequest[];
}

/** One request of the warm-up. */
export interface WarmUpRequest {
  method: 'GET' | 'POST';
  path: string;
  /** A JSON body (sent as application/json). */
  body?: string;
}

/**
 * Starts the function in `dir` with the compile and code caches on, until it serves and has
 * answered the plan's requests, so the request path's code is compiled too; then stops it.
 */
async function warmUp(dir: string, plan: CompileCachePlan, nodeOptions: string): Promise<void> {
  const { target } = plan;
  const port = await freePort();
  // Refused at once: a port just found free, on loopback, that nothing is given.
  const noDatabase = `postgres://warm-up@127.0.0.1:${await freePort()}/none`;
  // The framework's CLI (its `bin`), beside its main module: its exports name neither.
  const framework = join(
    dirname(require.resolve('@google-cloud/functions-framework', { paths: [dir] })),
    'main.js',
  );
  const child = spawn(
    process.execPath,
    [framework, `--target=${target}`, `--source=${dir}`, `--port=${port}`],
    {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: nodeOptions,
        NODE_COMPILE_CACHE: join(dir, COMPILE_CACHE_DIR),
        [WRITE_CODE_CACHE]: '1',
        DATABASE_URL: noDatabase,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  let served = false;
  const answers: string[] = [];
  const answer = async () => {
    try {
      for (const { method, path, body } of plan.requests) {
        const headers = body === undefined ? undefined : { 'content-type': 'application/json' };
        const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers, body });
        await res.arrayBuffer();
        // In the build's log: the first request should end at the refused database (503 or 500
        // for an event), not at a route the function does not have (404).
        answers.push(`${method} ${path} ${res.status}`);
      }
    } catch (error) {
      output += `\nthe warm-up request failed: ${(error as Error).message}`;
    }
    child.kill('SIGTERM');
  };
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (!served && /Serving function/.test(output)) {
      served = true;
      void answer();
    }
  };
  child.stdout.on('data', read);
  child.stderr.on('data', read);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      process.stdout.write(`warm-up of ${target} ("${nodeOptions}"): ${answers.join(', ')}\n`);
      if (served) resolve();
      else
        reject(
          new Error(`${target} did not start serving (NODE_OPTIONS "${nodeOptions}"):\n${output}`),
        );
    });
  });
}

async function main(): Promise<void> {
  const dir = __dirname;
  const plan = JSON.parse(
    readFileSync(join(dir, 'compile-cache.json'), 'utf8'),
  ) as CompileCachePlan;
  rmSync(join(dir, COMPILE_CACHE_DIR), { recursive: true, force: true });
  for (const nodeOptions of plan.nodeOptions) await warmUp(dir, plan, nodeOptions);
  process.stdout.write(
    `compile cache of ${plan.target} written for ${process.version}, NODE_OPTIONS ${plan.nodeOptions.map((o) => `"${o}"`).join(', ')}\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`compile cache: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
