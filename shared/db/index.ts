import type { Knex } from 'knex';
import { config } from '../config';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { connectionProvider, createKnex } from './knex';
import { migrationStatus } from './migrations';

export { createKnex, connectionProvider, type ConnectionTarget, type PoolSettings } from './knex';
export {
  migrationStatus,
  migrateToLatest,
  rollbackLastBatch,
  type MigrationStatus,
} from './migrations';
export { isDatabaseUnavailable, violatedConstraint } from './errors';

/** Raised instead of serving when the database lacks migrations this code needs. */
export class PendingMigrationsError extends Error {
  constructor(readonly pending: string[]) {
    super(
      `The database schema is not current: ${pending.length} pending migration(s) (${pending.join(', ')}). Run \`npm run migrate\`.`,
    );
    this.name = 'PendingMigrationsError';
  }
}

/** This instance's knex while it is open, with the shutdown step that closes it. */
let instance: { knex: Promise<Knex>; unregister: () => void } | undefined;
let schemaCheck: Promise<void> | undefined;

/**
 * This instance's knex, created on first use and shared by everything in the process; its
 * pool closes at shutdown. Creating it opens no connection (the pool starts empty).
 */
export function database(): Promise<Knex> {
  if (!instance) {
    const knex = (async () => {
      const settings = config();
      return createKnex(await connectionProvider(settings), settings);
    })();
    const opening = { knex, unregister: onShutdown('database pool', () => closeDatabase()) };
    instance = opening;
    knex.catch(() => {
      if (instance === opening) {
        instance = undefined;
        opening.unregister();
      }
    });
  }
  return instance.knex;
}

/**
 * The database, once it is known to have every migration this code knows. Until then each
 * call checks again (so applying migrations needs no restart); afterwards the answer is kept.
 * @throws PendingMigrationsError while migrations are pending
 */
export function readyDatabase(): Promise<Knex> {
  return ready ?? checkReady();
}

/** readyDatabase's answer once the schema is known current: every request awaits it. */
let ready: Promise<Knex> | undefined;

async function checkReady(): Promise<Knex> {
  const pool = database();
  const db = await pool;
  // Only until `ready` is kept. One check at a time, shared: requests that reach a new
  // instance together wait for the first one's check instead of each making it on a
  // connection of its own.
  schemaCheck ??= (async () => {
    const { pending } = await migrationStatus(db);
    if (pending.length > 0) throw new PendingMigrationsError(pending);
  })().finally(() => {
    schemaCheck = undefined;
  });
  await schemaCheck;
  // Kept while this pool is still the instance's (closeDatabase forgets it).
  if (instance?.knex === pool) ready = pool;
  return db;
}

/** Closes the pool and forgets it (and its shutdown step), so the next `database()` opens a new one. */
export async function closeDatabase(): Promise<void> {
  const current = instance;
  instance = undefined;
  ready = undefined;
  schemaCheck = undefined;
  if (current) {
    current.unregister();
    const db = await current.knex.catch(() => undefined);
    await db?.destroy();
    logger.debug('database pool closed');
  }
}
