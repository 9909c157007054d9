import knexFactory, { type Knex } from 'knex';
import {
  currentSetting,
  fromSecretManager,
  previousSetting,
  rereadSetting,
  type Config,
} from '../config';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { EMBEDDED_PORT, openEmbeddedDatabase } from './embedded';
import { retryAfterPasswordRefused, type ResolvedConnection } from './password-retry';

/** Where the `pg` driver connects: a URL, or discrete fields (a host, the embedded socket, Cloud SQL). */
export type ConnectionTarget =
  | { connectionString: string }
  | { host: string; port: number; user: string; database: string; password?: string }
  | { stream: unknown; user: string; database: string; password?: string };

/** The pool and timeout settings of the configuration, as the factory needs them. */
export type PoolSettings = Pick<
  Config,
  'DB_POOL_MAX' | 'DB_POOL_IDLE_MS' | 'DB_CONNECT_TIMEOUT_MS' | 'DB_STATEMENT_TIMEOUT_MS'
>;

/**
 * Gives the target for each new connection; `ttlMs` says when to ask again (a rotated password).
 * When the password comes from Secret Manager, `rereadSecrets` reads it again at once (the
 * server refused it), and `previousTarget` gives the target with the secret's version before
 * the current one (a rotation half done), if it can be read.
 */
export interface TargetProvider {
  (): Promise<ConnectionTarget>;
  ttlMs?: number;
  rereadSecrets?: () => Promise<void>;
  previousTarget?: () => Promise<ConnectionTarget | undefined>;
}

/** The oldest PostgreSQL manifest runs on (terraform/modules/cloud-sql-postgres allows 15 and up). */
export const POSTGRES_VERSION_FLOOR = '15';

/**
 * The one knex factory: every function, script and test gets its knex here.
 *
 * Serverless pooling: no connection is opened before it is needed (`min: 0`), idle ones are
 * closed quickly, the pool is small (many instances each have their own), and waiting for a
 * connection is bounded so an unreachable database becomes a quick 503, not a hung request.
 * A password refused by the server is read again from Secret Manager at once, and the
 * connection retried (password-retry.ts).
 */
export function createKnex(target: ConnectionTarget | TargetProvider, pool: PoolSettings): Knex {
  const common = {
    application_name: 'manifest',
    connectionTimeoutMillis: pool.DB_CONNECT_TIMEOUT_MS,
    statement_timeout: pool.DB_STATEMENT_TIMEOUT_MS,
    keepAlive: true,
  };
  const ttl = typeof target === 'function' ? target.ttlMs : undefined;
  const settle = (resolved: ConnectionTarget): ResolvedConnection => {
    const resolvedAt = Date.now();
    return {
      ...resolved,
      ...common,
      ...(ttl ? { expirationChecker: () => Date.now() - resolvedAt >= ttl } : {}),
    };
  };
  const connection =
    typeof target === 'function' ? async () => settle(await target()) : { ...target, ...common };
  const db = knexFactory({
    client: 'pg',
    // Given, knex does not ask the server (`select version();`) on its first connection: one
    // round trip less in every cold start's first request. knex reads it only to choose json
    // column types for servers before 9.2; manifest runs on PostgreSQL 15 and later (Cloud SQL's
    // POSTGRES_15 and up, PGlite's 17).
    version: POSTGRES_VERSION_FLOOR,
    connection: connection as Knex.StaticConnectionConfig,
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
  if (typeof target === 'function' && target.rereadSecrets && typeof connection === 'function') {
    const previous = target.previousTarget;
    retryAfterPasswordRefused(db, {
      current: connection,
      rereadSecrets: target.rereadSecrets,
      previous: async () => {
        const earlier = await previous?.();
        return earlier && settle(earlier);
      },
    });
  }
  return db;
}

/** Puts a password into a connection URL (pg would let the URL's missing password win). */
function withPassword(url: string, password: string | undefined): string {
  if (!password) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

type CloudSqlConnector = {
  getOptions(o: {
    instanceConnectionName: string;
    ipType: string;
    authType: string;
  }): Promise<{ stream: unknown }>;
  close(): void;
};
let connector: Promise<CloudSqlConnector> | undefined;

/**
 * The configured database as a provider of connection targets: Cloud SQL through its Node.js
 * connector (CLOUD_SQL_INSTANCE; a password, or IAM database authentication), a URL or a host,
 * or the embedded PGlite database. A password from Secret Manager is read again for new
 * connections after its TTL, and at once when the server refuses it.
 */
export async function connectionProvider(config: Config): Promise<TargetProvider> {
  if (!config.CLOUD_SQL_INSTANCE && !config.DATABASE_URL && !config.DATABASE_HOST) {
    // Opened now, not on the first connection: PGlite takes seconds to start, longer than
    // a connection may take.
    const embedded = await openEmbeddedDatabase(config.DATA_DIR);
    const target = {
      host: embedded.socketDir,
      port: EMBEDDED_PORT,
      user: 'postgres',
      database: 'postgres',
    };
    return async () => target;
  }
  const targetWith = async (secrets: {
    password?: string;
    url?: string;
  }): Promise<ConnectionTarget> => {
    if (config.CLOUD_SQL_INSTANCE) {
      connector ??= import('@google-cloud/cloud-sql-connector').then(({ Connector }) => {
        const created = new Connector() as unknown as CloudSqlConnector;
        onShutdown('cloud sql connector', async () => created.close());
        return created;
      });
      const options = await (
        await connector
      ).getOptions({
        instanceConnectionName: config.CLOUD_SQL_INSTANCE,
        ipType: config.CLOUD_SQL_IP_TYPE,
        authType: config.CLOUD_SQL_AUTH_TYPE,
      });
      // IAM database authentication: the connector signs in with the service account's token.
      const password = config.CLOUD_SQL_AUTH_TYPE === 'IAM' ? undefined : secrets.password;
      return { ...options, user: config.DATABASE_USER, database: config.DATABASE_NAME, password };
    }
    if (secrets.url) return { connectionString: withPassword(secrets.url, secrets.password) };
    return {
      host: config.DATABASE_HOST!,
      port: config.DATABASE_PORT,
      user: config.DATABASE_USER,
      database: config.DATABASE_NAME,
      password: secrets.password,
    };
  };
  const current = async () => ({
    password: await currentSetting('DATABASE_PASSWORD'),
    url: await currentSetting('DATABASE_URL'),
  });
  const provider: TargetProvider = async () => targetWith(await current());
  const secretBacked = (['DATABASE_PASSWORD', 'DATABASE_URL'] as const).filter(fromSecretManager);
  if (secretBacked.length > 0) {
    provider.ttlMs = config.SECRET_TTL_SECONDS * 1000;
    provider.rereadSecrets = async () => {
      await Promise.all(secretBacked.map(rereadSetting));
    };
    provider.previousTarget = async () => {
      const [password, url] = await Promise.all([
        previousSetting('DATABASE_PASSWORD'),
        previousSetting('DATABASE_URL'),
      ]);
      if (password === undefined && url === undefined) return undefined;
      const now = await current();
      return targetWith({ password: password ?? now.password, url: url ?? now.url });
    };
  }
  return provider;
}
