import { existsSync } from 'node:fs';
import { logger } from '../logging/logger';
import { loadConfig } from './load';
import type { Config } from './settings';

export { ConfigError, loadConfig } from './load';
export { Settings, settingNames, type Config } from './settings';

let current: Config | undefined;

/**
 * The configuration of this instance, read once from the environment (and from `.env`
 * in the working directory when one exists, without overriding what is already set).
 */
export function config(): Config {
  if (!current) {
    if (existsSync('.env')) process.loadEnvFile('.env');
    current = loadConfig(process.env);
    logger.level = current.LOG_LEVEL;
  }
  return current;
}

/** Forgets the cached configuration so the next `config()` reads the environment again. */
export function resetConfig(): void {
  current = undefined;
}
