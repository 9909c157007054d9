// `npm run build`: one self-contained bundle per function of the registry (shared/deploy),
// under dist/functions/<name>/, each with a minimal package.json naming only the packages it
// loads at run time, so each function deploys alone (the buildpack that builds its image,
// scripts/pipeline/images.sh, installs those and runs functions-framework).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { Settings } from '../shared/config/settings';
import { SETTINGS_AJV_OPTIONS } from '../shared/config/settings-validator';
import { validatedSchemas } from '../shared/validation';
import { makeAjv, MAX_DECIMAL_PLACES } from '../shared/validation/compiler';
import { deployments, type FunctionDeployment } from '../shared/deploy/functions';
import { createEvent } from '../shared/events/envelope';
import { SAMPLE_PERSON } from '../shared/people/sample';
import { eventMessage, pushBody } from '../shared/events/message';
import { BUNDLE_FILE } from '../shared/runtime/code-cache';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { deployedNodeOptions, type Sizing } from '../shared/deploy/sizing';
import type { CompileCachePlan, WarmUpRequest } from './compile-cache';

const root = resolve(__dirname, '..');
const readJson = <T>(path: string) => JSON.parse(readFileSync(path, 'utf8')) as T;
const rootPackage = readJson<{ dependencies: Record<string, string> }>(join(root, 'package.json'));

/** The exact version the lockfile installed, so the cloud runs what the tests ran. */
function installedVersion(dep: string): string {
  if (!rootPackage.dependencies[dep])
    throw new Error(`${dep} is imported but is not a dependency in package.json`);
  return readJson<{ version: string }>(join(root, 'node_modules', dep, 'package.json')).version;
}

/**
 * Kept out of the bundle and installed from package.json instead: functions-framework runs the
 * bundle (and `express` must be its very instance: see shared/http/framework-errors.ts); the
 * Google clients read their .proto/.json files from disk at run time.
 */
export const INSTALLED = [
  '@google-cloud/functions-framework',
  'express',
  '@google-cloud/pubsub',
  '@google-cloud/secret-manager',
  '@google-cloud/cloud-sql-connector',
  // The Secret Manager client's own gRPC (to talk plaintext to a local server): one copy only.
  '@grpc/grpc-js',
];
/**
 * Never loaded in the cloud: optional drivers knex and pg probe for, the embedded database, and
 * the local tools (pino-pretty: a deployed function logs JSON; see shared/logging/format.ts).
 */
export const NEVER_LOADED = [
  'pino-pretty',
  '@electric-sql/pglite',
  '@electric-sql/pglite-socket',
  'pg-native',
  'pg-query-stream',
  'mysql',
  'mysql2',
  'sqlite3',
  'better-sqlite3',
  'oracledb',
  'tedious',
  'mariadb',
  'mariadb/*',
];

/**
 * knex bundles a loader for every SQL dialect it knows; we speak only PostgreSQL. The others
 * (a third of knex's code) are left out: less to parse at every cold start. Asking for one
 * fails with a message saying so.
 */
export const postgresOnlyKnex: Plugin = {
  name: 'postgres-only-knex',
  setup(build) {
    const other =
      /^\.\/(better-sqlite3|cockroachdb|mssql|mysql|mariadb|mysql2|oracle|oracledb|pgnative|redshift|sqlite3)$/;
    build.onResolve({ filter: other }, (args) =>
      args.importer.replace(/\\/g, '/').endsWith('knex/lib/dialects/index.js')
        ? { path: args.path, namespace: 'knex-dialect-left-out' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'knex-dialect-left-out' }, (args) => ({
      contents: `throw new Error('the knex dialect ${args.path.slice(2)} is not bundled: manifest uses PostgreSQL');`,
      loader: 'js',
    }));
  },
};

/**
 * shared/config/settings-validator.ts, replaced in a bundle by the same validator compiled now
 * (ajv's standalone code, with the same options and schema): an instance validates its
 * settings at every cold start, and compiling them there cost about 40 ms at full CPU.
 */
export const precompiledSettings: Plugin = {
  name: 'precompiled-settings',
  setup(build) {
    build.onLoad({ filter: /[\\/]shared[\\/]config[\\/]settings-validator\.ts$/ }, () => {
      const ajv = new Ajv({ ...SETTINGS_AJV_OPTIONS, code: { source: true } });
      const code = standaloneCode(ajv, ajv.compile(Settings));
      return {
        // The standalone code is a CommonJS module body; it runs once, on first use.
        contents: `let made;\nexport function settingsValidator() {\n  if (made) return made;\n  const module = { exports: {} };\n  (function (module, exports) {\n${code}\n  })(module, module.exports);\n  return (made = module.exports);\n}\n`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};

/**
 * pg, when its module loads, asks whether it runs on Cloudflare Workers: where `navigator` is
 * not defined (Node 20) it constructs a `Response` to find out, and that loads Node's fetch
 * implementation (undici), 21 ms of a cold start's CPU here for a function that never fetches.
 * A function runs on Node.js, so the bundle's pg takes Node's streams without asking. The
 * build fails if the check is no longer where it was (a pg upgrade), instead of keeping it.
 */
export const nodeOnlyPg: Plugin = {
  name: 'node-only-pg',
  setup(build) {
    build.onLoad({ filter: /[\\/]pg[\\/]lib[\\/]stream\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const check = 'if (isCloudflareRuntime()) {';
      if (!source.includes(check))
        throw new Error(`${args.path} no longer has "${check}": review the node-only-pg plugin`);
      return { contents: source.replace(check, 'if (false) {'), loader: 'js' };
    });
  },
};

/**
 * Replaces, in one installed file the bundle carries, each `[text, replacement]` (the build
 * fails if a text is no longer there: an upgrade, to review), for the plugins below.
 */
function patchInstalled(name: string, filter: RegExp, edits: [string, string][]): Plugin {
  return {
    name,
    setup(build) {
      build.onLoad({ filter }, (args) => {
        let source = readFileSync(args.path, 'utf8');
        for (const [text, replacement] of edits) {
          if (!source.includes(text))
            throw new Error(`${args.path} no longer has "${text}": review the ${name} plugin`);
          source = source.replace(text, replacement);
        }
        return { contents: source, loader: 'js' };
      });
    },
  };
}

/**
 * knex loads its migrator and seeder (14 modules with lodash's template, 47 KiB) when it loads;
 * a function never migrates or seeds (migrationStatus reads the table), so in a bundle they
 * load on first use of `knex.migrate` or `knex.seed`, not at every cold start.
 */
export const lazyKnexMigrations = patchInstalled(
  'lazy-knex-migrations',
  /[\\/]knex[\\/]lib[\\/]knex-builder[\\/]make-knex\.js$/,
  [
    ["const { Migrator } = require('../migrations/migrate/Migrator');", ''],
    ["const Seeder = require('../migrations/seed/Seeder');", ''],
    ['new Migrator(this)', "new (require('../migrations/migrate/Migrator').Migrator)(this)"],
    ['new Seeder(this)', "new (require('../migrations/seed/Seeder'))(this)"],
  ],
);

/**
 * pino loads its worker-thread transports (thread-stream, Node's worker_threads) and its
 * multistream when it loads; our logger writes to a stream of its own (shared/logging), so in
 * a bundle they load only if asked for.
 */
export const lazyPinoTransports = [
  patchInstalled('lazy-pino-transports', /[\\/]pino[\\/]lib[\\/]tools\.js$/, [
    ["const { isMainThread } = require('worker_threads')", ''],
    [
      'if (!opts.sync && isMainThread) {',
      "if (!opts.sync && require('worker_threads').isMainThread) {",
    ],
    [
      "const transport = require('./transport')",
      "const transport = (options) => require('./transport')(options)",
    ],
  ]),
  patchInstalled('lazy-pino-exports', /[\\/]pino[\\/]pino\.js$/, [
    [
      "module.exports.transport = require('./lib/transport')\nmodule.exports.multistream = require('./lib/multistream')",
      "Object.defineProperty(module.exports, 'transport', { enumerable: true, get: () => require('./lib/transport') })\nObject.defineProperty(module.exports, 'multistream', { enumerable: true, get: () => require('./lib/multistream') })",
    ],
  ]),
];

/**
 * The modules that make validators when they load (compileValidator, compileParameters):
 * importing them registers every schema a function validates with. A unit test checks this
 * list against shared/ (bundles.test.ts).
 */
export const VALIDATING_MODULES = [
  'shared/events/envelope.ts',
  'shared/health/http.ts',
  'shared/import/rows.ts',
  'shared/people/http.ts',
];

/**
 * shared/validation/compiler.ts, replaced in a bundle by every request, event and row
 * validator compiled now (ajv's standalone code, with the same options and keywords), each
 * made on its first use: an instance's first request compiled its validator with ajv (about
 * 16 ms of health's cold start at full CPU) after loading ajv and making its instance (about
 * 8 ms), and the bundle carried the compiler. A schema not compiled here fails its request
 * with an error saying so; the list above is what makes them all known.
 */
export const precompiledValidators: Plugin = {
  name: 'precompiled-validators',
  setup(build) {
    build.onLoad({ filter: /[\\/]shared[\\/]validation[\\/]compiler\.ts$/ }, async () => {
      for (const module of VALIDATING_MODULES) await import(join(root, module));
      const ajv = makeAjv({ code: { source: true } });
      const schemas = new Map(validatedSchemas().map((schema) => [JSON.stringify(schema), schema]));
      const made = [...schemas].map(
        ([key, schema]) =>
          `[${JSON.stringify(key)}, () => {\n  const module = { exports: {} };\n  (function (module, exports) {\n${standaloneCode(ajv, ajv.compile(schema))}\n  })(module, module.exports);\n  return module.exports;\n}]`,
      );
      return {
        contents: `export const MAX_DECIMAL_PLACES = ${JSON.stringify(MAX_DECIMAL_PLACES)};
const sources = new Map([\n${made.join(',\n')}\n]);
const made = new Map();
export function compileSchema(schema) {
  const key = JSON.stringify(schema);
  let validate = made.get(key);
  if (validate) return validate;
  const make = sources.get(key);
  if (!make) throw new Error('no validator was compiled for this schema when the bundle was built: add the module that makes it to VALIDATING_MODULES (scripts/build.ts)');
  validate = make();
  made.set(key, validate);
  return validate;
}
`,
        loader: 'js',
        resolveDir: root,
      };
    });
  },
};

/** How a function is bundled (the benchmark's baselines are bundled the same way). */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  // import() of an installed package becomes a lazy require(): a function's bundle runs as a
  // vm.Script (shared/runtime/code-cache.ts), where import() needs an experimental loader that
  // warns on every start, and on Node 20 fails once the script comes from a code cache.
  supported: { 'dynamic-import': false },
  minify: true,
  keepNames: true,
  external: [...INSTALLED, ...NEVER_LOADED],
  plugins: [
    postgresOnlyKnex,
    precompiledSettings,
    precompiledValidators,
    nodeOnlyPg,
    lazyKnexMigrations,
    ...lazyPinoTransports,
  ],
  logLevel: 'warning',
} satisfies BuildOptions;

function packageOf(path: string): string {
  const parts = path.split('/');
  return path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/**
 * The requests the image's build sends a function while writing its code cache
 * (scripts/compile-cache.ts): the first request an instance of it most likely answers, run up
 * to the database the build has not (its connection is refused), then a path it does not serve.
 */
export function warmUpRequests(deployment: FunctionDeployment): WarmUpRequest[] {
  const unserved: WarmUpRequest = { method: 'GET', path: '/compile-cache/warm-up' };
  if (deployment.kind === 'http') return [{ method: 'GET', path: deployment.warmUpPath }, unserved];
  const uuid = '00000000-0000-4000-8000-000000000000';
  const event = createEvent('person.created', {
    subject: uuid,
    actor: 'compile-cache',
    // The sample person the tests send (checked again here: createEvent validates its data).
    data: { uuid, ...SAMPLE_PERSON },
  });
  const body = JSON.stringify(
    pushBody(eventMessage(event, ''), {
      messageId: 'compile-cache-warm-up',
      subscription: `projects/manifest/subscriptions/${deployment.name}`,
    }),
  );
  return [{ method: 'POST', path: '/', body }, unserved];
}

/**
 * Bundles one function into `outdir` (emptied first): function.js, the function; index.js, what
 * the framework loads, which loads function.js through its code cache (scripts/function-entry.ts);
 * compile-cache.js, its image build's step; and its own package.json.
 */
export async function bundle(
  name: string,
  outdir = join(root, 'dist/functions', name),
): Promise<{ name: string; bytes: number; dependencies: string[] }> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(root, 'functions', name, 'index.ts')],
    outfile: join(outdir, BUNDLE_FILE),
    sourcemap: 'linked',
    metafile: true,
    legalComments: 'linked',
  });
  const dependencies = installedImports(result.metafile);
  const versions = Object.fromEntries(dependencies.map((dep) => [dep, installedVersion(dep)]));
  const step = { bundle: true, platform: 'node', target: 'node22', format: 'cjs' } as const;
  await build({
    ...step,
    entryPoints: [join(root, 'scripts/function-entry.ts')],
    outfile: join(outdir, 'index.js'),
    logLevel: 'warning',
  });
  await build({
    ...step,
    entryPoints: [join(root, 'scripts/compile-cache.ts')],
    outfile: join(outdir, 'compile-cache.js'),
    logLevel: 'warning',
  });
  const deployment = deployments.find((d) => d.name === name);
  if (!deployment) throw new Error(`${name} is not in the function registry (shared/deploy)`);
  const plan: CompileCachePlan = {
    target: name,
    nodeOptions: await deployedNodeOptionsOf(name),
    requests: warmUpRequests(deployment),
  };
  writeFileSync(join(outdir, 'compile-cache.json'), `${JSON.stringify(plan, null, 2)}\n`);
  writeFileSync(
    join(outdir, 'package.json'),
    `${JSON.stringify(
      {
        name: `manifest-${name}`,
        private: true,
        main: 'index.js',
        engines: { node: '22' },
        // Run by the buildpack that builds the image: writes the compile and code caches there.
        scripts: { 'gcp-build': 'node compile-cache.js' },
        dependencies: versions,
      },
      null,
      2,
    )}\n`,
  );
  return { name, bytes: statSync(join(outdir, BUNDLE_FILE)).size, dependencies };
}

let tfvars: Promise<Record<string, { sizing?: Sizing }>[]> | undefined;

/**
 * Each distinct NODE_OPTIONS Terraform deploys a function with, over every environment's tfvars
 * (terraform/envs): the compile cache is keyed by V8's flags, so it is written for each.
 */
export async function deployedNodeOptionsOf(name: string): Promise<string[]> {
  tfvars ??= Promise.all(
    readdirSync(join(root, 'terraform/envs'))
      .filter((file) => file.endsWith('.tfvars'))
      .sort()
      .map(async (file) => {
        const path = join(root, 'terraform/envs', file);
        const body = (await parseHcl(path, readFileSync(path, 'utf8'))) as {
          functions?: Record<string, { sizing?: Sizing }>;
        };
        return body.functions ?? {};
      }),
  );
  const options = (await tfvars).map((functions) =>
    deployedNodeOptions(functions[name]?.sizing ?? {}),
  );
  return [...new Set(options.length > 0 ? options : [deployedNodeOptions({})])];
}

function installedImports(metafile: Metafile): string[] {
  const found = new Set<string>(['@google-cloud/functions-framework']);
  for (const input of Object.values(metafile.inputs)) {
    for (const imported of input.imports) {
      if (imported.external && INSTALLED.includes(packageOf(imported.path)))
        found.add(packageOf(imported.path));
    }
  }
  return [...found].sort();
}

async function main(): Promise<void> {
  const results = await Promise.all(deployments.map((d) => bundle(d.name)));
  for (const r of results) {
    process.stdout.write(
      `dist/functions/${r.name}/${BUNDLE_FILE}  ${(r.bytes / 1024).toFixed(0)} KiB  (installs: ${r.dependencies.join(', ')})\n`,
    );
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`build failed: ${(error as Error).message}\n`);
    process.exit(1);
  });
}
