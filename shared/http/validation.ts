import { HttpProblem } from './problem';
import type { Validator } from '../validation';

/**
 * Validates a value, throwing a 400 problem that names every bad field when it fails.
 * @returns the value, typed
 */
export function assertValid<T>(validator: Validator<T>, value: unknown, what: string): T {
  if (validator(value)) return value;
  const errors = validator.problems();
  throw new HttpProblem(
    400,
    `The ${what} is invalid: ${errors.map((e) => e.message).join('; ')}.`,
    {
      errors,
    },
  );
}
