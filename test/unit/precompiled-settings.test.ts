import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS } from '../../scripts/build';
import { loadConfig } from '../../shared/config';

/**
 * A function's bundle validates its settings with ajv's standalone code compiled when it is
 * built (scripts/build.ts, precompiledSettings), not with ajv compiling them at cold start: the
 * same answers, every problem worded the same, and nothing of ajv's compiler behind it.
 */
const ROOT = resolve(__dirname, '../..');
let bundled: typeof loadConfig;
let inputs: string[];

beforeAll(async () => {
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'shared/config/load.ts')],
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const module = { exports: {} as { loadConfig: typeof loadConfig } };
  new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(
    module,
    module.exports,
    require,
  );
  bundled = module.exports.loadConfig;
  // The validator's module alone: what it carries of ajv.
  const alone = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'shared/config/settings-validator.ts')],
    write: false,
    metafile: true,
    sourcemap: false,
  });
  inputs = Object.keys(alone.metafile.inputs);
}, 60_000);

const outcome = (load: typeof loadConfig, env: NodeJS.ProcessEnv) => {
  try {
    return { config: { ...load(env) } };
  } catch (error) {
    return { error: (error as Error).message };
  }
};

describe('the settings validator a bundle carries', () => {
  it('is compiled at build time: it carries ajv run-time helpers only, not its compiler or the schema', () => {
    expect(inputs.filter((path) => /node_modules\/ajv\/dist\/(compile|core)/.test(path))).toEqual(
      [],
    );
    expect(inputs.filter((path) => path.startsWith('shared/'))).toEqual([
      'shared/config/settings-validator.ts',
    ]);
  });

  it.each([
    ['nothing set (every default)', {}],
    ['types coerced', { PORT: '9000', READ_REQUIRES_AUTH: 'true', DB_POOL_MAX: '7' }],
    [
      'every problem at once',
      { PORT: 'abc', APP_ENV: 'prod', DB_POOL_MAX: '0', LOG_LEVEL: 'loud' },
    ],
    ['a boolean that is not one', { READ_REQUIRES_AUTH: 'yes' }],
    ['a pattern broken', { CLOUD_SQL_INSTANCE: 'not an instance' }],
    ['a secret never quoted', { DATABASE_URL: 'postgres://u:pw@h/db', DATABASE_HOST: 'h' }],
    ['production rules', { APP_ENV: 'production' }],
  ])('answers as ajv compiling at run time does: %s', (_, env) => {
    const expected = outcome(loadConfig, env);
    expect(outcome(bundled, env)).toEqual(expected);
  });
});
