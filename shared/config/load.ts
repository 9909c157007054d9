import Ajv, { type ErrorObject } from 'ajv';
import { Settings, settingNames, type Config } from './settings';

/** Thrown when the environment does not satisfy the settings schema; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

// Coercion turns the environment's strings into the declared integers and booleans;
// allErrors makes one run report every bad setting instead of the first.
const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true, strict: false });
const validate = ajv.compile<Config>(Settings);

/**
 * Reads the settings from an environment (normally `process.env`): picks the known names,
 * treats empty strings as unset, applies defaults, coerces types and validates.
 * @returns the configuration, or throws ConfigError naming every invalid setting
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const raw: Record<string, string> = {};
  for (const name of settingNames) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const candidate: Record<string, unknown> = { ...raw };
  if (validate(candidate)) return Object.freeze(candidate as Config);
  throw new ConfigError(describeProblems(validate.errors ?? [], raw));
}

function describeProblems(errors: ErrorObject[], raw: Record<string, string>): string[] {
  const byName = new Map<string, string>();
  for (const error of errors) {
    const name = error.instancePath.slice(1);
    if (!name || byName.has(name)) continue;
    byName.set(name, `${name} ${reason(error)}, got ${JSON.stringify(raw[name] ?? '')}`);
  }
  return [...byName.values()];
}

function reason(error: ErrorObject): string {
  switch (error.keyword) {
    case 'enum':
      return `must be one of ${(error.params.allowedValues as string[]).join(', ')}`;
    case 'type':
      return error.params.type === 'integer'
        ? 'must be an integer'
        : error.params.type === 'boolean'
          ? 'must be true or false'
          : `must be a ${String(error.params.type)}`;
    case 'minimum':
      return `must be at least ${String(error.params.limit)}`;
    case 'maximum':
      return `must be at most ${String(error.params.limit)}`;
    default:
      return error.message ?? 'is invalid';
  }
}
