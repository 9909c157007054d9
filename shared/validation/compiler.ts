import Ajv2020, { _, type KeywordCxt, type Options, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * ajv, the compiler behind every validator (index.ts): its options and keywords, and the one
 * instance that compiles schemas here (tests, `npm start`, scripts). A function's bundle
 * replaces this module with the validators compiled when the bundle is built, from the same
 * options (ajv's standalone code; scripts/build.ts, precompiledValidators): the compiler and
 * its first compiles left an instance's first request.
 */

/** The keyword of the most decimal places a number may be written with (see index.ts). */
export const MAX_DECIMAL_PLACES = 'x-max-decimal-places';

export const AJV_OPTIONS: Options = {
  allErrors: true,
  strict: true,
  // Decimal steps (0.01 for ages) are checked against this many digits, not float equality.
  multipleOfPrecision: 9,
  // Keeps each error's schema, so a pattern can explain itself with `x-pattern-message`.
  verbose: true,
  // Our schemas are fixed code: checking them against the 2020-12 meta-schema at run time
  // compiled the meta-schema first, on an instance's first validation (measured: 120 to
  // 200 ms of the first GET /people at full CPU; 15 ms without). A unit test checks every
  // schema given to compileValidator against the meta-schema instead (validatedSchemas).
  validateSchema: false,
};

/** An ajv with our options, formats and keywords (`code` options for the build's standalone code). */
export function makeAjv(options: Options = {}): Ajv2020 {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...options });
  addFormats(ajv);
  // OpenAPI annotations that are not JSON Schema keywords.
  ajv.addKeyword('example');
  ajv.addKeyword('x-pattern-message');
  ajv.addKeyword({
    keyword: MAX_DECIMAL_PLACES,
    type: 'number',
    schemaType: 'number',
    // Generated code, not a function, so that standalone code can carry it: the decimal places
    // of the number as JSON writes it (index.ts decimalPlaces, which a unit test compares).
    code(cxt: KeywordCxt) {
      cxt.fail(
        _`((n) => { const [m = '', e = '0'] = String(Math.abs(n)).split('e'); return Math.max(0, (m.split('.')[1]?.length ?? 0) - Number(e)); })(${cxt.data}) > ${cxt.schema}`,
      );
    },
  });
  return ajv;
}

let instance: Ajv2020 | undefined;

/** Compiles a schema with the one instance, made on first use. */
export function compileSchema(schema: object): ValidateFunction {
  instance ??= makeAjv();
  return instance.compile(schema);
}
