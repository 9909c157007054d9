import { resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { initConfig } from '../config';
import { warnIfWritesOpen } from '../runtime/instance';
import { database, migrateToLatest } from '../db';
import { deployments } from '../deploy/functions';
import { logger } from '../logging';
import { onShutdown, shutdown } from '../runtime/shutdown';
import { startLocalEvents } from './events';
import { loadFunctions } from './functions';
import { CONSOLE_SEGMENTS, localConsole } from './console';
import { manifestAsyncApi } from './asyncapi-document';
import { DeliveryLog } from './deliveries';
import { createGateway } from './gateway';
import { pushSubscriptions } from '../deploy/subscriptions';
import { publisher } from '../events/publisher';
import { replayDeadLetter } from '../events/redrive';

/**
 * Starts the whole local stack in this process: opens the database (embedded PGlite unless
 * DATABASE_URL is set), applies pending migrations, loads every function of the registry (shared/deploy), serves them on
 * PORT, and wires events (the in-process bus, or the emulator with PUBSUB_EMULATOR_HOST).
 * SIGINT/SIGTERM shut it down cleanly (the embedded database is flushed and unlocked).
 */
export async function startLocalStack(functionsDir = resolve(__dirname, '../../functions')) {
  try {
    const settings = await initConfig();
    warnIfWritesOpen();
    const db = await database();
    const applied = await migrateToLatest(db);
    logger.info(
      {
        applied,
        database: settings.DATABASE_URL ? 'postgresql' : `embedded PGlite in ${settings.DATA_DIR}`,
      },
      applied.length > 0 ? `applied ${applied.length} migration(s)` : 'database schema is current',
    );
    const functions = await loadFunctions(
      functionsDir,
      deployments.map((d) => d.name),
    );
    // Topics and subscriptions exist before the first request, as Terraform makes them exist
    // before a function serves: a message published to a topic without its subscriptions is lost.
    const bus = await startLocalEvents(
      settings,
      `http://${settings.LOCAL_PUSH_HOST}:${settings.PORT}`,
    );
    const deliveries = new DeliveryLog();
    onShutdown('delivery log', async () => deliveries.close());
    const consoleApp = localConsole({
      database,
      deliveries,
      functions: deployments.map((d) => ({ name: d.name, kind: d.kind })),
      subscriptions: pushSubscriptions(settings),
      eventsTopic: settings.EVENTS_TOPIC,
      asyncApi: manifestAsyncApi(settings),
      delivery: settings.PUBSUB_EMULATOR_HOST
        ? `the Pub/Sub emulator at ${settings.PUBSUB_EMULATOR_HOST}`
        : 'the in-process bus',
      // The dead-letter redrive (shared/events/redrive.ts), through the outbox, published at once.
      replay: async (id) => {
        const done = await replayDeadLetter({ db: await database() }, id, {
          by: 'local console',
          publisher: publisher(),
        });
        return `${id}: ${done.outcome}${done.detail ? ` (${done.detail})` : ''}`;
      },
      databaseName: settings.DATABASE_URL
        ? 'the PostgreSQL server at DATABASE_URL'
        : `embedded PGlite in ${settings.DATA_DIR}`,
    });
    const server = createGateway(functions, { segments: CONSOLE_SEGMENTS, handle: consoleApp });
    await new Promise<void>((ready) => server.listen(settings.PORT, ready));
    onShutdown('local gateway', async () => {
      server.close();
      server.closeAllConnections();
    });
    const { port } = server.address() as AddressInfo;
    for (const fn of functions)
      logger.info(`serving ${fn.name} at http://localhost:${port}/${fn.name}`);
    logger.info(`the local console is at http://localhost:${port}/`);
    const stop = (signal: string) => void shutdown(signal).then(() => process.exit(0));
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
    return { server, port, functions, bus };
  } catch (error) {
    logger.error({ error }, 'the local stack could not start');
    await shutdown('start failed');
    throw error;
  }
}
