import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020';
import { compileSchema, MAX_DECIMAL_PLACES } from './compiler';
import {
  Type,
  type SchemaOptions,
  type TUnsafe,
  type TSchema,
  type Static,
} from '@sinclair/typebox';

/**
 * The codes of a FieldError: the rule a value broke. `wrong-length` is an imported file's
 * record with too many or too few fields; `invalid` any other rule of a schema.
 */
export const FIELD_ERROR_CODES = [
  'missing',
  'wrong-type',
  'out-of-range',
  'too-long',
  'too-short',
  'unknown-property',
  'not-allowed',
  'invalid-format',
  'too-precise',
  'wrong-length',
  'invalid',
] as const;

/** One bad field of a value: where, why, and a stable machine-readable code. */
export interface FieldError {
  /** The field's name (`age`), or a dotted path below it for nested values. */
  field: string;
  code: (typeof FIELD_ERROR_CODES)[number];
  /** A sentence a person can act on. */
  message: string;
  /** For a row of an imported file: its line. */
  line?: number;
}

// The one validator for everything that crosses a boundary (request bodies, query and path
// parameters, events, rows of an import): JSON Schema 2020-12, the dialect of OpenAPI 3.1,
// compiled by ajv (compiler.ts; precompiled in a function's bundle).

/**
 * The most decimals a number may be written with: `{"x-max-decimal-places": 4}`. JSON Schema's
 * `multipleOf: 0.0001` says the same, but tools check it in binary floating point, where 7.2292
 * is not a multiple of 0.0001 (7.2292 / 0.0001 = 72291.99999999999): Stoplight Prism refused 59
 * of the Titanic's fares with it. Counting the places of the number as JSON writes it has no
 * rounding to get wrong. A vendor extension: other tools ignore it (the README says so), this
 * validator and the database's CHECK (`fare = round(fare, 4)`) enforce it.
 */
export { MAX_DECIMAL_PLACES };

/**
 * The decimal places of a number as JSON writes it (the shortest text that reads back as the
 * same double, which is also what the database is sent): 7.2292 has 4, 1e-7 has 7, 22 has 0.
 */
export function decimalPlaces(value: number): number {
  const [mantissa = '', exponent = '0'] = String(Math.abs(value)).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent));
}

/**
 * A string that must be one of `values`, as a plain JSON Schema `enum` (clearer in OpenAPI and
 * in error messages than TypeBox's union of literals), typed as the union of the values.
 */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/** A compiled check that narrows `unknown` to the schema's type or lists what is wrong. */
export interface Validator<T> {
  (value: unknown): value is T;
  /** Field errors of the last failed call, in plain words. */
  problems(): FieldError[];
}

const schemas: TSchema[] = [];

/** Every schema a validator has been made for in this process (for the meta-schema test). */
export function validatedSchemas(): readonly TSchema[] {
  return schemas;
}

/**
 * A validator for a schema, compiled by ajv on its first call and kept. Compiling costs a
 * cold start (ajv generates code for each schema), so an instance pays only for the schemas its
 * requests use, when they first use them. Tests call every validator, and check every schema
 * against the meta-schema, so a bad schema still fails there.
 */
export function compileValidator<S extends TSchema>(schema: S): Validator<Static<S>> {
  schemas.push(schema);
  let validate: ValidateFunction | undefined;
  const check = ((value: unknown) => (validate ??= compileSchema(schema))(value)) as Validator<
    Static<S>
  >;
  check.problems = () => describeErrors(validate?.errors ?? []);
  return check;
}

/** Turns ajv's errors into one error per field, in words a client can act on. */
export function describeErrors(errors: ErrorObject[]): FieldError[] {
  const byField = new Map<string, FieldError>();
  for (const error of errors) {
    const described = describeError(error);
    if (described && !byField.has(described.field)) byField.set(described.field, described);
  }
  return [...byField.values()];
}

function describeError(error: ErrorObject): FieldError | undefined {
  const path = fieldPath(error.instancePath);
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = join(path, String(p.missingProperty));
      return { field, code: 'missing', message: `${field} is required` };
    }
    case 'additionalProperties': {
      const field = join(path, String(p.additionalProperty));
      return { field, code: 'unknown-property', message: `${field} is not a known property` };
    }
    case 'type': {
      const field = path || 'body';
      return { field, code: 'wrong-type', message: `${field} must be ${article(String(p.type))}` };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        field: path,
        code: 'out-of-range',
        message: `${path} must be ${String(p.comparison)} ${String(p.limit)}`,
      };
    case 'maxLength':
      return {
        field: path,
        code: 'too-long',
        message: `${path} must be at most ${String(p.limit)} characters`,
      };
    case 'minLength':
      return {
        field: path,
        code: 'too-short',
        message: `${path} must be at least ${String(p.limit)} characters`,
      };
    case 'enum':
      return {
        field: path,
        code: 'not-allowed',
        message: `${path} must be one of ${(p.allowedValues as unknown[]).join(', ')}`,
      };
    case 'const':
      return {
        field: path,
        code: 'not-allowed',
        message: `${path} must be ${String(p.allowedValue)}`,
      };
    case 'multipleOf':
      return {
        field: path,
        code: 'too-precise',
        message: `${path} must be a multiple of ${String(p.multipleOf)}`,
      };
    case MAX_DECIMAL_PLACES:
      return {
        field: path,
        code: 'too-precise',
        message: `${path} must have at most ${String(error.schema)} decimal places`,
      };
    case 'pattern': {
      const explained = (error.parentSchema as Record<string, unknown> | undefined)?.[
        'x-pattern-message'
      ];
      const message = typeof explained === 'string' ? explained : (error.message ?? 'is malformed');
      return { field: path, code: 'invalid-format', message: `${path} ${message}` };
    }
    case 'format':
      return {
        field: path,
        code: 'invalid-format',
        message: `${path} ${error.message ?? 'is malformed'}`,
      };
    case 'anyOf':
    case 'oneOf':
    case 'if':
      return undefined; // the branches' own errors say more
    default:
      return {
        field: path || 'body',
        code: 'invalid',
        message: `${path || 'body'} ${error.message ?? 'is invalid'}`,
      };
  }
}

function fieldPath(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

function article(type: string): string {
  return type === 'integer' ? 'an integer' : type === 'object' ? 'an object' : `a ${type}`;
}
