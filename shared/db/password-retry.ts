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

/** Where the retry gets its settings from (see retryAfterPasswordRefused). */
export interface PasswordSources {
  /** The settings with the secrets' current values. */
  current: () => Promise<ResolvedConnection>;
  /** Reads the password's secrets again now, whatever their TTL. */
  rereadSecrets: () => Promise<void>;
  /** The settings with the secrets' previous versions, when they can be read. */
  previous: () => Promise<ResolvedConnection | undefined>;
}

/**
 * Makes a pool survive a password rotation. When the server refuses a new connection's password
 * (28P01), the password's secret is read again at once (not after SECRET_TTL_SECONDS), and the
 * connection is opened again, once, with its value. If the secret still holds the refused
 * password, the rotation may be half done (the new version written, the database not changed
 * yet): the version before it is tried instead. The settings that worked stay in use for the
 * pool's later connections; once the database takes the new password, the old one is refused
 * and this runs again. If neither is new, the error stands: retrying could not help.
 *
 * Concurrent refusals share one read (SecretStore.reread). Only new connections are affected: a
 * password change in PostgreSQL leaves open sessions signed in.
 */
export function retryAfterPasswordRefused(db: Knex, sources: PasswordSources): void {
  const client = db.client as PoolClient;
  const open = client.acquireRawConnection.bind(client);
  const same = (a: ResolvedConnection, b: ResolvedConnection) =>
    JSON.stringify(credentials(a)) === JSON.stringify(credentials(b));
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
        await sources.rereadSecrets();
        let next: ResolvedConnection | undefined = await sources.current();
        if (same(next, used)) {
          next = await sources.previous();
          if (!next || same(next, used)) {
            logger.warn(
              { sqlstate: '28P01' },
              'the secret still holds the refused password; not retrying the connection',
            );
            throw error;
          }
          logger.info(
            'the secret holds a password the database does not take yet; trying its previous version',
          );
        }
        const { expirationChecker, ...settings } = next;
        client.connectionSettings = settings;
        client.connectionConfigExpirationChecker = expirationChecker ?? null;
      }
      const connection = await open();
      logger.info('database connection opened with the re-read password');
      return connection;
    }
  };
}
