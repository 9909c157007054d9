import type { Knex } from 'knex';
import { logger } from '../logging';
import { isAuthenticationFailure } from './errors';

/** Settings for the `pg` driver, as knex's connection provider returns them. */
export type ResolvedConnection = Record<string, unknown> & { expirationChecker?: () => boolean };

/**
 * What a rotated password needs from knex's client. These are knex 3.x internals (lib/client.js
 * and lib/dialects/postgres): the pool calls `acquireRawConnection` to open each connection,
 * with the settings it last resolved in `connectionSettings`, and resolves them again when
 * `connectionConfigExpirationChecker` says so. test/integration/password-rotation.test.ts
 * fails if an upgrade changes them.
 */
interface PoolClient {
  acquireRawConnection(): Promise<unknown>;
  connectionSettings: ResolvedConnection;
  connectionConfigExpirationChecker: (() => boolean) | null;
}

/** What identifies the password a connection was opened with (never logged). */
function credentials(settings: ResolvedConnection): unknown[] {
  return [settings.password, settings.connectionString];
}

/**
 * Makes a pool survive a password rotation. When the server refuses a new connection's password
 * (28P01), `rereadSecrets` reads the password's secret again at once (not after
 * SECRET_TTL_SECONDS), `resolve` gives the settings with its value, and the connection is opened
 * again with them, once. The settings then stay in use for the pool's later connections. If the
 * secret still holds the refused password, the error stands: retrying could not help.
 *
 * Concurrent refusals share one read (SecretStore.reread). Only new connections are affected: a
 * password change in PostgreSQL leaves open sessions signed in.
 */
export function retryAfterPasswordRefused(
  db: Knex,
  resolve: () => Promise<ResolvedConnection>,
  rereadSecrets: () => Promise<void>,
): void {
  const client = db.client as PoolClient;
  const open = client.acquireRawConnection.bind(client);
  client.acquireRawConnection = async () => {
    const used = client.connectionSettings;
    try {
      return await open();
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw error;
      // Unless another connection has already re-read it since this one began.
      if (client.connectionSettings === used) {
        logger.warn(
          { sqlstate: '28P01' },
          'database refused the password; re-reading its secret now, before the TTL',
        );
        await rereadSecrets();
        const { expirationChecker, ...settings } = await resolve();
        if (JSON.stringify(credentials(settings)) === JSON.stringify(credentials(used))) {
          logger.warn(
            { sqlstate: '28P01' },
            'the secret still holds the refused password; not retrying the connection',
          );
          throw error;
        }
        client.connectionSettings = settings;
        client.connectionConfigExpirationChecker = expirationChecker ?? null;
      }
      const connection = await open();
      logger.info('database connection opened with the re-read password');
      return connection;
    }
  };
}
