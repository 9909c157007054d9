import Ajv, { type ValidateFunction } from 'ajv';
import { Settings, type Config } from './settings';

/**
 * How the settings are validated: coercion turns the environment's strings into the declared
 * integers and booleans; allErrors makes one run report every bad setting instead of the
 * first; verbose keeps each error's schema (a pattern's `x-pattern-message`). The schema is
 * ours and fixed, so it is not checked against the meta-schema.
 */
export const SETTINGS_AJV_OPTIONS = {
  coerceTypes: true,
  useDefaults: true,
  allErrors: true,
  strict: false,
  verbose: true,
  validateSchema: false,
} as const;

/**
 * The settings' validator, compiled by ajv here (tests, `npm start`, scripts). A function's
 * bundle replaces this module with the same validator compiled when the bundle is built
 * (ajv's standalone code, scripts/build.ts): every instance reads its settings at cold start,
 * and compiling them cost about 40 ms at full CPU, 6 times that at a 0.167 vCPU share.
 */
export function settingsValidator(): ValidateFunction<Config> {
  return new Ajv(SETTINGS_AJV_OPTIONS).compile<Config>(Settings);
}
