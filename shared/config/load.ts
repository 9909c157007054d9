import type { ErrorObject } from 'ajv';
import { parseApiKeys } from './api-keys';
import { Settings, settingNames, type Config } from './settings';
import { settingsValidator } from './settings-validator';

/** Thrown when the environment does not satisfy the settings schema; lists every problem. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

// Made on first use (settings-validator.ts says how, and how a bundle does it).
let validate: ReturnType<typeof settingsValidator> | undefined;

/** Settings whose values are secrets: a problem with one never quotes its value. */
export const secretSettings: ReadonlySet<string> = new Set<string>(
  settingNames.filter(
    (name) => (Settings.properties[name] as { 'x-secret'?: boolean })['x-secret'],
  ),
);

/**
 * Reads the settings from an environment (normally `process.env`): picks the known names,
 * treats empty strings as unset, applies defaults, coerces types, validates, and checks the
 * rules that span settings (production needs API keys and a real database).
 * @param hidden more settings whose values must not appear in messages (resolved secrets)
 * @returns the configuration, or throws ConfigError naming every invalid setting
 */
export function loadConfig(
  env: NodeJS.ProcessEnv,
  hidden: ReadonlySet<string> = new Set(),
): Config {
  const raw: Record<string, string> = {};
  for (const name of settingNames) {
    const value = env[name];
    if (value !== undefined && value !== '') raw[name] = value;
  }
  const candidate: Record<string, unknown> = { ...raw };
  const shown = (name: string) =>
    secretSettings.has(name) || hidden.has(name) ? '(hidden)' : JSON.stringify(raw[name] ?? '');
  // Schema problems and cross-setting problems are reported together.
  validate ??= settingsValidator();
  const valid = validate(candidate);
  const problems = [
    ...(valid ? [] : describeProblems(validate.errors ?? [], shown)),
    ...crossChecks(candidate as Config),
  ];
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(candidate as Config);
}

function crossChecks(config: Config): string[] {
  const problems: string[] = [];
  const databases = ['DATABASE_URL', 'DATABASE_HOST', 'CLOUD_SQL_INSTANCE'].filter(
    (n) => config[n as keyof Config] !== undefined,
  );
  if (databases.length > 1)
    problems.push(`${databases.join(' and ')} are set: choose one way to reach the database`);
  if (typeof config.API_KEYS === 'string') {
    const parsed = parseApiKeys(config.API_KEYS);
    if ('problems' in parsed) problems.push(...parsed.problems);
  }
  if (config.APP_ENV === 'production') {
    if (!config.API_KEYS)
      problems.push('API_KEYS is required when APP_ENV is production (writes must not be open)');
    if (databases.length === 0)
      problems.push(
        'APP_ENV production needs DATABASE_URL, DATABASE_HOST or CLOUD_SQL_INSTANCE (the embedded database is for local use)',
      );
  }
  return problems;
}

function describeProblems(errors: ErrorObject[], shown: (name: string) => string): string[] {
  const byName = new Map<string, string>();
  for (const error of errors) {
    const name = error.instancePath.slice(1);
    if (!name || byName.has(name)) continue;
    byName.set(name, `${name} ${reason(error)}, got ${shown(name)}`);
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
    case 'minLength':
      return `must be at least ${String(error.params.limit)} characters`;
    case 'pattern': {
      const message = (error.parentSchema as { 'x-pattern-message'?: string } | undefined)?.[
        'x-pattern-message'
      ];
      return message ?? 'is malformed';
    }
    default:
      return error.message ?? 'is invalid';
  }
}
