import type { Static, TObject, TSchema } from '@sinclair/typebox';
import { compileValidator, type FieldError } from './index';

/**
 * A URL's parameters (its query, its path) arrive as text: `?limit=10` is the string "10",
 * and a query parameter given twice is a list of strings. Their schema declares what each
 * parameter is (an integer from 1 to 1000, a string of some pattern); a reader turns the text
 * into those types, then checks the values with the one validator, so a parameter's rules are
 * stated once, in the schema the OpenAPI document also shows.
 *
 * Reading is strict: an integer is decimal digits (not `1e3`, `0x10`, ` 7` or `Infinity`, which
 * `Number()` would take), a boolean is `true` or `false`. Text that does not read as its type
 * breaks the parameter's rule as surely as a value out of range, so it is reported with the
 * code of that rule: out-of-range for a bounded integer, invalid-format for a pattern,
 * not-allowed for an enumeration, wrong-type otherwise. Parameters the schema does not
 * declare are left alone, as HTTP APIs commonly do (a cache-buster must not break a page).
 */

/** Reads and validates text parameters: the typed values, or what is wrong with each. */
export type ParameterReader<T> = (
  text: Record<string, unknown>,
) => { value: T } | { problems: FieldError[] };

const READABLE_TYPES = new Set(['integer', 'boolean', 'string']);
const INTEGER = /^-?[0-9]+$/;

/**
 * A reader for the parameters an object schema declares, each an integer, a boolean or a
 * string (TypeBox's Type.Object; optional properties are optional parameters).
 */
export function compileParameters<S extends TObject>(schema: S): ParameterReader<Static<S>> {
  for (const [name, property] of Object.entries(schema.properties)) {
    if (!READABLE_TYPES.has(property.type as string))
      throw new Error(`parameter ${name} must be an integer, a boolean or a string`);
  }
  const validate = compileValidator(schema);
  return (text) => {
    const value: Record<string, unknown> = {};
    const problems: FieldError[] = [];
    for (const [name, property] of Object.entries(schema.properties)) {
      if (!Object.hasOwn(text, name)) continue;
      const read = readText(property, text[name]);
      if (read === undefined) problems.push(unreadable(name, property));
      else value[name] = read;
    }
    if (!validate(value)) {
      const named = new Set(problems.map((problem) => problem.field));
      problems.push(...validate.problems().filter((problem) => !named.has(problem.field)));
    }
    return problems.length > 0 ? { problems } : { value: value as Static<S> };
  };
}

/** The value a parameter's text stands for, or undefined when it does not read as its type. */
function readText(schema: TSchema, text: unknown): unknown {
  // Anything but one string: the parameter given twice, or in the `a[b]=` form.
  if (typeof text !== 'string') return undefined;
  switch (schema.type) {
    case 'integer': {
      const number = Number(text);
      return INTEGER.test(text) && Number.isSafeInteger(number) ? number : undefined;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : undefined;
    default:
      return text;
  }
}

/** What is wrong with a parameter whose text does not read as its type, in its rule's words. */
function unreadable(name: string, schema: TSchema): FieldError {
  const { minimum, maximum, pattern } = schema as {
    minimum?: number;
    maximum?: number;
    pattern?: string;
  };
  const allowed = (schema as { enum?: unknown[] }).enum;
  const explained = (schema as { 'x-pattern-message'?: string })['x-pattern-message'];
  if (allowed)
    return {
      field: name,
      code: 'not-allowed',
      message: `${name} must be one of ${allowed.join(', ')}`,
    };
  if (pattern !== undefined)
    return {
      field: name,
      code: 'invalid-format',
      message: `${name} ${explained ?? 'is malformed'}`,
    };
  if (schema.type === 'integer' && minimum !== undefined && maximum !== undefined)
    return {
      field: name,
      code: 'out-of-range',
      message: `${name} must be an integer from ${minimum} to ${maximum}`,
    };
  const expected = { integer: 'an integer', boolean: 'true or false', string: 'given once' };
  return {
    field: name,
    code: 'wrong-type',
    message: `${name} must be ${expected[schema.type as keyof typeof expected]}`,
  };
}
