import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundle, BUNDLE_OPTIONS } from '../../scripts/build';
import { deployments } from '../../shared/deploy/functions';
import { BUNDLE_FILE } from '../../shared/runtime/code-cache';

/**
 * What each function's bundle (as `npm run build` writes it) holds of the project's own code:
 * a function deploys what it runs and nothing else. The registry, which knows every function
 * and consumer, stays out of every bundle, and a consumer's bundle holds its own routes only.
 */
const ROOT = resolve(__dirname, '../..');
let out: string;

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'manifest-bundles-'));
  await Promise.all(deployments.map((d) => bundle(d.name, join(out, d.name))));
}, 120_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Every file a built bundle was made from, from the repository root, read from its source map. */
function allSources(name: string): string[] {
  const dir = join(out, name);
  const map = JSON.parse(readFileSync(join(dir, `${BUNDLE_FILE}.map`), 'utf8')) as {
    sources: string[];
  };
  return map.sources.map((source) => relative(ROOT, resolve(dir, source)));
}

/** The repository's own files a built bundle was made from. */
function bundledSources(name: string): string[] {
  return allSources(name).filter((path) => !path.startsWith('node_modules/'));
}

/** The modules of shared/ that build a consumer's routes, by the consumer they name. */
const consumerModules = readdirSync(join(ROOT, 'shared'), { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts'))
  .flatMap((file) => {
    const source = readFileSync(join(ROOT, 'shared', file), 'utf8');
    return [...source.matchAll(/new EventRouter\('([^']+)'\)/g)].map((m) => ({
      module: `shared/${file}`,
      consumer: m[1]!,
    }));
  });

describe('each function bundle', () => {
  it('is built from the functions of the registry, whose consumers build their routes in shared/', () => {
    expect(consumerModules.map((c) => [c.consumer, c.module]).sort()).toEqual([
      ['audit-log', 'shared/audit/consumer.ts'],
      ['project-stats', 'shared/stats/consumer.ts'],
    ]);
  });

  it.each(deployments.map((d) => d.name))(
    '%s: holds its own entry, no part of the registry, and no other consumer',
    (name) => {
      const sources = bundledSources(name);
      expect(sources).toContain(`functions/${name}/index.ts`);
      expect(sources.filter((s) => s.startsWith('shared/deploy/'))).toEqual([]);
      expect(sources.filter((s) => consumerModules.some((c) => c.module === s))).toEqual(
        consumerModules.filter((c) => c.consumer === name).map((c) => c.module),
      );
    },
  );

  it.each(deployments.map((d) => d.name))(
    '%s: holds none of the local tools (the local console, pino-pretty), and does not install them',
    (name) => {
      expect(allSources(name).filter((s) => s.startsWith('shared/local/'))).toEqual([]);
      expect(readFileSync(join(out, name, BUNDLE_FILE), 'utf8')).not.toContain('local console');
      expect(allSources(name).filter((s) => s.includes('node_modules/pino-pretty/'))).toEqual([]);
      const pkg = JSON.parse(readFileSync(join(out, name, 'package.json'), 'utf8')) as {
        dependencies: Record<string, string>;
      };
      expect(Object.keys(pkg.dependencies)).not.toContain('pino-pretty');
    },
  );
});

describe("each function bundle's dynamic imports", () => {
  // It runs as a vm.Script (shared/runtime/code-cache.ts), where import() would need Node's
  // experimental loader: each one is a lazy require() instead, made when first called.
  it.each(deployments.map((d) => d.name))('%s: none is left as import()', (name) => {
    const code = readFileSync(join(out, name, BUNDLE_FILE), 'utf8');
    expect(code.match(/\bimport\(/g)).toBeNull();
  });

  it('loads an installed package when first called, as import() did', async () => {
    const contents = `let loaded = 0;
       const later = () => import('node:os').then((os) => { loaded += 1; return typeof os.cpus; });
       process.stdout.write(String(loaded));
       later().then((type) => process.stdout.write(' ' + loaded + ' ' + type));`;
    await build({
      ...BUNDLE_OPTIONS,
      stdin: { contents, resolveDir: ROOT, loader: 'js' },
      outfile: join(out, 'dynamic.js'),
    });
    const code = readFileSync(join(out, 'dynamic.js'), 'utf8');
    expect(code.match(/\bimport\(/g)).toBeNull();
    expect(runNode(`require(${JSON.stringify(join(out, 'dynamic.js'))})`)).toBe('0 1 function');
  });
});

describe("each function bundle's pg", () => {
  // pg's check for Cloudflare Workers constructs a Response where Node has no `navigator`
  // (Node 20), which loads Node's fetch (undici) at every cold start: 21 ms of CPU here.
  it.each(deployments.map((d) => d.name))('%s: takes Node streams without probing', (name) => {
    const code = readFileSync(join(out, name, BUNDLE_FILE), 'utf8');
    expect(code.includes('getNodejsStreamFuncs')).toBe(true); // pg's Node streams are bundled
    expect(code.match(/new Response\(null,\s*\{\s*cf:/g)).toBeNull();
  });
});

/** Runs `code` in a new Node process, with the repository's installed packages; its output. */
const runNode = (code: string) =>
  execFileSync(process.execPath, ['-e', code], {
    cwd: ROOT,
    env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules'), LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });

describe('what each function bundle loads when it loads', () => {
  // pino's worker-thread transports (and with them Node's worker_threads) are loaded on use only.
  it.each(deployments.map((d) => d.name))("%s: not Node's worker threads", (name) => {
    const loaded = runNode(
      `require('@google-cloud/functions-framework'); require(${JSON.stringify(join(out, name))});
       process.stdout.write(JSON.stringify(process.moduleLoadList)); process.exit(0);`,
    );
    expect(JSON.parse(loaded.slice(loaded.indexOf('['))) as string[]).not.toContain(
      'NativeModule worker_threads',
    );
  });

  it("still has knex's migrator and seeder, and pino's transports, when asked for", async () => {
    const contents = `const db = require('knex')({ client: 'pg', connection: {} });
       const pino = require('pino');
       process.stdout.write([db.migrate.constructor.name, db.seed.constructor.name,
         typeof pino.transport, typeof pino.multistream].join(' '));`;
    await build({
      ...BUNDLE_OPTIONS,
      stdin: { contents, resolveDir: ROOT, loader: 'js' },
      outfile: join(out, 'lazy.js'),
    });
    expect(runNode(`require(${JSON.stringify(join(out, 'lazy.js'))})`)).toBe(
      'Migrator Seeder function function',
    );
  });
});
