import { HttpProblem } from './problem';
import type { FieldError, Validator } from '../validation';
import type { ParameterReader } from '../validation/parameters';

/**
 * Validates a value, throwing a 400 problem that names every bad field when it fails.
 * @returns the value, typed
 */
export function assertValid<T>(validator: Validator<T>, value: unknown, what: string): T {
  if (validator(value)) return value;
  throw invalid(what, validator.problems());
}

/**
 * Reads and validates a request's parameters (`req.query`, `req.params`) with the reader of
 * their schema, throwing a 400 problem that names every bad parameter when they fail.
 * @returns the parameters, typed
 */
export function assertValidParameters<T>(read: ParameterReader<T>, text: object, what: string): T {
  const result = read(text as Record<string, unknown>);
  if ('value' in result) return result.value;
  throw invalid(what, result.problems);
}

function invalid(what: string, errors: FieldError[]): HttpProblem {
  return new HttpProblem(
    400,
    `The ${what} is invalid: ${errors.map((e) => e.message).join('; ')}.`,
    {
      errors,
    },
  );
}
