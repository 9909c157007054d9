import { existsSync } from 'node:fs';
import { defaultLogFormat } from '../logging/format';
import { logger, logsToTerminal, setLogFormat } from '../logging/logger';
import { registerSecret } from '../logging/redaction';
import {
  isSecretReference,
  secretManagerAccessor,
  secretVersionName,
  SecretStore,
  type SecretAccessor,
} from '../secrets';
import { loadConfig, secretSettings } from './load';
import { settingNames, type Config } from './settings';

export { ConfigError, loadConfig, secretSettings } from './load';
export { Settings, settingNames, type Config } from './settings';

let current: Config | undefined;
let initializing: Promise<Config> | undefined;
let secrets: SecretStore | undefined;

/** The environment: process.env, plus a local `.env` file (which never overrides what is set). */
function environment(): NodeJS.ProcessEnv {
  if (existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

/** Settings whose value is an `sm://` reference. */
function references(env: NodeJS.ProcessEnv): { setting: string; reference: string }[] {
  return settingNames
    .filter((name) => isSecretReference(env[name]))
    .map((name) => ({ setting: name, reference: env[name]! }));
}

function adopt(config: Config): Config {
  // Plain values of secret settings (local development) are masked in logs just the same.
  for (const name of secretSettings) {
    const value = config[name as keyof Config];
    if (typeof value === 'string') registerSecret(value);
  }
  if (config.DATABASE_URL) registerSecret(safePassword(config.DATABASE_URL));
  for (const entry of config.API_KEYS?.split(',') ?? [])
    registerSecret(entry.slice(entry.indexOf('=') + 1).trim());
  logger.level = config.LOG_LEVEL;
  const terminal = logsToTerminal();
  setLogFormat(
    config.LOG_FORMAT ??
      defaultLogFormat({
        appEnv: config.APP_ENV,
        stdoutIsTTY: terminal,
        onCloudRun: Boolean(process.env.K_SERVICE),
      }),
    colours(terminal),
  );
  current = config;
  return config;
}

/** Colours on a terminal, or when FORCE_COLOR asks; never with NO_COLOR (no-color.org). */
function colours(terminal: boolean): boolean {
  if (process.env.NO_COLOR) return false;
  const force = process.env.FORCE_COLOR;
  return force !== undefined ? force !== '0' && force !== 'false' : terminal;
}

function safePassword(url: string): string | undefined {
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The configuration of this instance. Read once; when some settings are `sm://` references,
 * `initConfig()` must have resolved them first (every function does at cold start).
 */
export function config(): Config {
  if (current) return current;
  const env = environment();
  const refs = references(env);
  if (refs.length > 0) {
    throw new Error(
      `${refs.map((r) => r.setting).join(', ')} refer to Secret Manager: await initConfig() at cold start before reading the configuration`,
    );
  }
  return adopt(loadConfig(env));
}

/**
 * Loads the configuration at cold start, resolving every `sm://` reference with Secret Manager,
 * all in parallel. Later calls return the same result.
 * @throws SecretLoadError naming the setting and the secret (never a value), or ConfigError
 */
export function initConfig(accessor?: SecretAccessor): Promise<Config> {
  if (current) return Promise.resolve(current);
  initializing ??= (async () => {
    const env = environment();
    const refs = references(env);
    if (refs.length === 0) return config();
    // The settings Secret Manager itself needs (project, endpoint, TTL) are plain values.
    const plain = Object.fromEntries(Object.entries(env).filter(([, v]) => !isSecretReference(v)));
    const bootstrap = loadConfig(plain);
    secrets = new SecretStore(
      accessor ??
        secretManagerAccessor({
          endpoint: bootstrap.SECRET_MANAGER_ENDPOINT,
          projectId: bootstrap.GOOGLE_CLOUD_PROJECT,
        }),
      bootstrap.SECRET_TTL_SECONDS * 1000,
    );
    const resolved = await secrets.load(
      refs.map((r) => ({
        ...r,
        versionName: secretVersionName(r.reference, bootstrap.GOOGLE_CLOUD_PROJECT),
      })),
    );
    return adopt(loadConfig({ ...env, ...resolved }, new Set(Object.keys(resolved))));
  })();
  initializing.catch(() => {
    initializing = undefined;
  });
  return initializing;
}

type SecretSetting = 'API_KEYS' | 'DATABASE_PASSWORD' | 'DATABASE_URL';

/**
 * The current value of a setting that may come from Secret Manager: read again once
 * SECRET_TTL_SECONDS have passed (a rotated secret is picked up without a restart).
 */
export async function currentSetting(name: SecretSetting): Promise<string | undefined> {
  if (secrets?.has(name)) {
    const value = await secrets.get(name);
    if (name === 'API_KEYS')
      for (const entry of value.split(','))
        registerSecret(entry.slice(entry.indexOf('=') + 1).trim());
    return value;
  }
  return config()[name];
}

/**
 * Reads a Secret Manager setting again now, bypassing SECRET_TTL_SECONDS: for a caller whose
 * value was just refused (the database password, rotated under a running instance). Returns
 * the value now current; a plain setting is returned as it is.
 */
export async function rereadSetting(
  name: 'DATABASE_PASSWORD' | 'DATABASE_URL',
): Promise<string | undefined> {
  if (secrets?.has(name)) return secrets.reread(name);
  return config()[name];
}

/**
 * The value of the Secret Manager version before the one in use, for a password the database
 * refuses while the secret already holds its successor; undefined when there is none to try.
 */
export async function previousSetting(
  name: 'DATABASE_PASSWORD' | 'DATABASE_URL',
): Promise<string | undefined> {
  return secrets?.has(name) ? secrets.previous(name) : undefined;
}

/** True when the setting's value was read from Secret Manager (and is re-read after the TTL). */
export function fromSecretManager(name: SecretSetting): boolean {
  return secrets?.has(name) ?? false;
}

/** Forgets the configuration (and resolved secrets) so the next read starts again. */
export function resetConfig(): void {
  current = undefined;
  initializing = undefined;
  secrets = undefined;
}
