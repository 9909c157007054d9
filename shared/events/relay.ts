import { readyDatabase } from '../db';
import { logger } from '../logging';
import { failedDelivery } from '../runtime/failure';
import { relayOutbox } from './outbox';

/**
 * What the relay-outbox function does on each tick (a Cloud Scheduler message in the cloud, a
 * timer in the local stack; http/event-function.ts puts the instance's entry around it): it
 * publishes whatever the fast path left pending. The tick's content does not matter; a failure
 * throws, so Pub/Sub retries the tick.
 */
export async function relayOnTick(): Promise<void> {
  let report;
  try {
    report = await relayOutbox(await readyDatabase());
  } catch (error) {
    logger.error({ error }, 'outbox relay failed; the next tick tries again');
    throw failedDelivery('relay-outbox: relay failed, the next tick tries again');
  }
  if (report.published > 0 || report.failed > 0 || report.pruned > 0)
    logger.info(report, 'outbox relayed');
  else logger.debug(report, 'outbox relayed');
}
