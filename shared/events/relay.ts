import { readyDatabase } from '../db';
import { logger } from '../logging';
import { failedDelivery } from '../runtime/failure';
import { pruneOutbox, relayOutbox } from './outbox';
import { pruneProcessedEvents } from './processed';

/**
 * What the relay-outbox function does on each tick (a Cloud Scheduler message in the cloud, a
 * timer in the local stack; http/event-function.ts puts the instance's entry around it): it
 * publishes whatever the fast path left pending, then prunes what the retention no longer
 * needs, the sent outbox rows and the consumers' idempotency records. The tick's content does
 * not matter; a failure throws, so Pub/Sub retries the tick.
 */
export async function relayOnTick(): Promise<void> {
  let report;
  try {
    const db = await readyDatabase();
    const relayed = await relayOutbox(db);
    const pruned = await pruneOutbox(db);
    const processedPruned = await pruneProcessedEvents(db);
    report = { ...relayed, pruned, processedPruned };
  } catch (error) {
    logger.error({ error }, 'outbox relay failed; the next tick tries again');
    throw failedDelivery('relay-outbox: relay failed, the next tick tries again');
  }
  if (Object.values(report).some((count) => count > 0)) logger.info(report, 'outbox relayed');
  else logger.debug(report, 'outbox relayed');
}
