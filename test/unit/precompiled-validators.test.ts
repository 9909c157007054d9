import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_OPTIONS, VALIDATING_MODULES } from '../../scripts/build';
import * as source from '../../shared/validation';

/**
 * A function's bundle validates requests, events and imported rows with ajv's standalone code
 * compiled when it is built (scripts/build.ts, precompiledValidators), not with ajv compiling
 * each schema on an instance's first request: the same verdicts and the same problems, word
 * for word, for every schema, and nothing of ajv's compiler in the bundle.
 */
const ROOT = resolve(__dirname, '../..');
let bundled: typeof source;
let inputs: string[];

beforeAll(async () => {
  for (const module of VALIDATING_MODULES) await import(join(ROOT, module));
  const result = await build({
    ...BUNDLE_OPTIONS,
    entryPoints: [join(ROOT, 'shared/validation/index.ts')],
    write: false,
    metafile: true,
    sourcemap: false,
  });
  const module = { exports: {} as typeof source };
  new Function('module', 'exports', 'require', result.outputFiles[0]!.text)(
    module,
    module.exports,
    require,
  );
  bundled = module.exports;
  inputs = Object.keys(result.metafile.inputs);
}, 120_000);

/** Values that break each kind of rule once, put in one property at a time. */
const WRONG = [
  null,
  '',
  'x',
  'y'.repeat(300),
  -1,
  0,
  1.23456789,
  1e21,
  true,
  [],
  {},
  '00000000-0000-4000-8000-000000000000',
  'not a date',
];

function casesFor(schema: { properties?: Record<string, unknown> }): unknown[] {
  const names = Object.keys(schema.properties ?? {});
  return [
    null,
    'text',
    [],
    {},
    { unknown: 1 },
    ...names.flatMap((name) => WRONG.map((value) => ({ [name]: value }))),
  ];
}

describe('the validators a bundle carries', () => {
  it('are compiled at build time: the bundle carries ajv run-time helpers only, not its compiler', () => {
    expect(inputs.filter((path) => /node_modules\/ajv\/dist\/(compile|core)/.test(path))).toEqual(
      [],
    );
  });

  it('are made for every module of shared/ that makes validators (VALIDATING_MODULES)', () => {
    const makers = readdirSync(join(ROOT, 'shared'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts') && !file.startsWith('validation'))
      .filter((file) =>
        /\b(compileValidator|compileParameters)\(/.test(
          readFileSync(join(ROOT, 'shared', file), 'utf8'),
        ),
      )
      .map((file) => `shared/${file}`)
      .sort();
    expect(makers).toEqual([...VALIDATING_MODULES].sort());
  });

  it('answer as ajv compiling the same schema does, problems word for word, for every schema', () => {
    const schemas = [...source.validatedSchemas()]; // compileValidator below adds to it
    expect(schemas.length).toBeGreaterThan(0);
    let compared = 0;
    for (const schema of schemas) {
      const precompiled = bundled.compileValidator(schema);
      const compiled = source.compileValidator(schema);
      for (const value of casesFor(schema as { properties?: Record<string, unknown> })) {
        const verdict = precompiled(value);
        expect({ schema: schema.$id ?? Object.keys(schema), value, verdict }).toEqual({
          schema: schema.$id ?? Object.keys(schema),
          value,
          verdict: compiled(value),
        });
        if (!verdict) expect(precompiled.problems()).toEqual(compiled.problems());
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
  });
});
