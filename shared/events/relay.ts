import { readyDatabase } from '../db';
import { logger } from '../logging';
import { failedDelivery } from '../runtime/failure';
import { trackedHandler } from '../runtime/graceful';
import { leaveFrameworkDomain } from '../runtime/framework-domain';
import { instanceReady } from '../runtime/instance';
import { relayOutbox } from './outbox';
import { installProblemFinalHandler } from '../http/framework-errors';

/**
 * The relay-outbox function's handler: each tick (a Cloud Scheduler message in the cloud, a
 * timer in the local stack) publishes whatever the fast path left pending. The tick's content
 * does not matter; a failure throws, so Pub/Sub retries the tick.
 */
export function relayOnTick(): () => Promise<void> {
  installProblemFinalHandler();
  return trackedHandler(async (): Promise<void> => {
    await leaveFrameworkDomain();
    await instanceReady();
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
  });
}
