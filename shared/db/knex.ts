import knexFactory, { type Knex } from 'knex';
import type { Config } from '../config';
import { logger } from '../logging';
import { EMBEDDED_PORT, openEmbeddedDatabase } from './embedded';

/** Where the `pg` driver connects: a URL, or discrete fields (the embedded socket). */
export type ConnectionTarget =
  | { connectionString: string }
  | { host: string; port: number; user: string; database: string; password?: string };

/** The pool and timeout settings of the configuration, as the factory needs them. */
export type PoolSettings = Pick<
  Config,
  'DB_POOL_MAX' | 'DB_POOL_IDLE_MS' | 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'
>;

/**
 * The one knex factory: every function, script and test gets its knex here.
 *
 * Serverless pooling: no connection is opened before it is needed (`min: 0`), idle ones are
 * closed quickly, the pool is small (many instances each have their own), and waiting for a
 * connection is bounded so an unreachable database becomes a quick 503, not a hung request.
 */
export function createKnex(target: ConnectionTarget, pool: PoolSettings): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      ...target,
      application_name: 'manifest',
      connectionTimeoutMillis: pool.DB_CONNECT_TIMEOUT_MS,
      statement_timeout: pool.DB_STATEMENT_TIMEOUT_MS,
      keepAlive: true,
    },
    pool: {
      min: 0,
      max: pool.DB_POOL_MAX,
      idleTimeoutMillis: pool.DB_POOL_IDLE_MS,
      reapIntervalMillis: Math.min(1000, pool.DB_POOL_IDLE_MS),
      acquireTimeoutMillis: pool.DB_CONNECT_TIMEOUT_MS,
      createTimeoutMillis: pool.DB_CONNECT_TIMEOUT_MS,
    },
    acquireConnectionTimeout: pool.DB_CONNECT_TIMEOUT_MS,
    // knex's own messages (pool errors, deprecations) as structured log lines, not console output.
    log: {
      warn: (message: unknown) => logger.warn({ knex: String(message) }, 'knex warning'),
      error: (message: unknown) => logger.debug({ knex: String(message) }, 'knex error'),
      deprecate: (method: string, alternative: string) =>
        logger.warn({ method, alternative }, 'knex deprecation'),
      debug: (message: unknown) => logger.debug({ knex: String(message) }, 'knex debug'),
    },
  });
}

/**
 * Resolves the configured database to a connection target, opening the embedded PGlite
 * database when `DATABASE_URL` is unset.
 */
export async function connectionTarget(
  config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>,
): Promise<ConnectionTarget> {
  if (config.DATABASE_URL) return { connectionString: config.DATABASE_URL };
  const embedded = await openEmbeddedDatabase(config.DATA_DIR);
  return { host: embedded.socketDir, port: EMBEDDED_PORT, user: 'postgres', database: 'postgres' };
}
