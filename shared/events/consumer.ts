import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Knex } from 'knex';
import { config } from '../config';
import { readyDatabase } from '../db';
import { isDataException, retryConflicts } from '../db/errors';
import { cloudLoggingTrace, logger, parseTraceparent, withLogContext } from '../logging';
import { failedDelivery } from '../runtime/failure';
import { deadLetter } from './dead-letter';
import { validateEnvelope } from './envelope';
import {
  decodeMessageData,
  REDRIVE_ATTRIBUTES,
  stringAttributes,
  type MessagePublishedData,
  type PubsubMessage,
} from './message';
import { applyInOneStatement, recordProcessed } from './processed';
import type { EventRouter, Statement } from './router';

/** What became of one delivery. */
export type DeliveryOutcome = 'applied' | 'duplicate' | 'ignored' | 'dead-lettered';

/** One delivery as its consumer handled it: 'failed' when it answered an error (Pub/Sub redelivers). */
export interface DeliveryReport {
  consumer: string;
  messageId: string;
  /** The event id the message's attributes claim ('' when none). */
  eventId: string;
  outcome: DeliveryOutcome | 'failed';
  /** When the delivery arrived. */
  at: Date;
  latencyMs: number;
}

const deliveryObservers = new Set<(report: DeliveryReport) => void>();

/**
 * Tells `observer` of every delivery this process's consumers handle (the local console
 * records them; nothing observes in the cloud, where this costs one size check).
 * @returns a function that stops observing
 */
export function observeDeliveries(observer: (report: DeliveryReport) => void): () => void {
  deliveryObservers.add(observer);
  return () => deliveryObservers.delete(observer);
}

function report(
  router: EventRouter,
  message: PubsubMessage | undefined,
  at: Date,
  started: number,
) {
  return (outcome: DeliveryReport['outcome']) => {
    const delivery: DeliveryReport = {
      consumer: router.consumer,
      messageId: String(message?.messageId ?? ''),
      eventId: stringAttributes(message?.attributes).id ?? '',
      outcome,
      at,
      latencyMs: performance.now() - started,
    };
    for (const observer of deliveryObservers) observer(delivery);
  };
}

/**
 * Builds what a consumer function does with each delivery (http/event-function.ts puts the
 * instance's entry around it):
 * - a replayed dead letter meant for another consumer (its `redrive_consumer` attribute) is
 *   acknowledged with no effect;
 * - an unreadable or invalid message (bad data, bad envelope, unknown type) is acknowledged,
 *   logged with its id and reason and stored in `dead_letter`: redelivering it cannot help;
 * - a valid event is applied together with the record of (consumer, event id) in
 *   `processed_event`, atomically: its handlers inside one transaction that first writes the
 *   record, or a lone projection in the same statement as the record. When the record already
 *   exists the event was applied before, and the delivery is acknowledged with no effect;
 * - any other failure (the database is down) is thrown, so the push gets an error status and
 *   Pub/Sub redelivers with backoff, up to the subscription's dead-letter limit.
 */
export function eventConsumer(
  router: EventRouter,
): (cloudEvent: CloudEvent<MessagePublishedData>) => Promise<void> {
  return async (cloudEvent: CloudEvent<MessagePublishedData>) => {
    try {
      await consume(router, cloudEvent.data?.message);
    } catch {
      // consume() has logged the failure, with the delivery's labels.
      throw failedDelivery(`${router.consumer}: delivery failed, Pub/Sub will redeliver`);
    }
  };
}

/** Handles one Pub/Sub message; exported for the tests and the benchmark. */
export async function consume(
  router: EventRouter,
  message: PubsubMessage | undefined,
): Promise<DeliveryOutcome> {
  // Attributes are whatever the sender put there: only string values are read.
  const attributes = stringAttributes(message?.attributes);
  const trace = parseTraceparent(attributes.traceparent);
  const context = {
    ...(trace
      ? { trace: cloudLoggingTrace(config().GOOGLE_CLOUD_PROJECT, trace), spanId: trace.spanId }
      : {}),
    labels: {
      consumer: router.consumer,
      messageId: String(message?.messageId ?? ''),
      eventId: attributes.id ?? '',
    },
  };
  const observed =
    deliveryObservers.size > 0 ? report(router, message, new Date(), performance.now()) : undefined;
  return withLogContext(context, async () => {
    try {
      const outcome = await deliver(router, message, trace);
      observed?.(outcome);
      return outcome;
    } catch (error) {
      observed?.('failed');
      logger.error(
        { error, consumer: router.consumer },
        'delivery failed; answering an error so Pub/Sub redelivers',
      );
      throw error;
    }
  });
}

async function deliver(
  router: EventRouter,
  message: PubsubMessage | undefined,
  trace: ReturnType<typeof parseTraceparent>,
): Promise<DeliveryOutcome> {
  if (!message || typeof message !== 'object') {
    return deadLetter(router.consumer, message, 'the request carries no Pub/Sub message');
  }
  // A replayed dead letter is for the consumer that failed it (redrive.ts): the others have
  // applied it already, or failed it themselves and get their own replay.
  const target = stringAttributes(message.attributes)[REDRIVE_ATTRIBUTES.consumer];
  if (target !== undefined && target !== router.consumer) {
    logger.info({ target }, 'a replay for another consumer; acknowledged unapplied');
    return 'ignored';
  }
  const decoded = decodeMessageData(message);
  if ('reason' in decoded) return deadLetter(router.consumer, message, decoded.reason);
  const checked = validateEnvelope(decoded.value);
  if ('invalid' in checked)
    return deadLetter(router.consumer, message, checked.invalid.reason, checked.invalid.id);
  const event = checked.event;
  const routes = router.routesFor(event.type);
  if (routes.length === 0) {
    // The emulator ignores subscription filters, so a consumer can see types it has no handler for.
    logger.debug({ type: event.type }, 'no handler for this event type; acknowledged');
    return 'ignored';
  }
  const db = await readyDatabase();
  const delivery = { messageId: message.messageId, traceId: trace?.traceId };
  const only = routes.length === 1 ? routes[0]!.projection : undefined;
  let applied: boolean;
  try {
    applied = await retryConflicts(() =>
      only
        ? applyInOneStatement(db, router.consumer, event, only(event, delivery))
        : db.transaction(async (trx) => {
            if (!(await recordProcessed(trx, router.consumer, event))) return false;
            for (const route of routes) {
              if (route.handler) await route.handler(event, { trx, ...delivery });
              else await runProjection(trx, route.projection(event, delivery));
            }
            return true;
          }),
    );
  } catch (error) {
    // A valid envelope whose data the database still refuses would fail on every redelivery
    // until Pub/Sub's dead-letter limit: dead-letter it now (nothing was applied: the
    // statement or transaction failed whole).
    if (!isDataException(error)) throw error;
    return deadLetter(
      router.consumer,
      message,
      `the database refused the event's data: ${why(error)}`,
      event.id,
    );
  }
  logger.info(
    { type: event.type, subject: event.subject },
    applied ? 'event applied' : 'duplicate delivery; already applied',
  );
  return applied ? 'applied' : 'duplicate';
}

/** A projection inside a transaction that has recorded the event already: it always applies. */
async function runProjection(trx: Knex.Transaction, effect: Statement): Promise<void> {
  await trx.raw(`WITH new_delivery AS (SELECT 1) ${effect.sql}`, [...effect.bindings]);
}

/** The database's own words for a failed query: knex puts the query's SQL before them. */
function why(error: unknown): string {
  const { message, code } = error as { message: string; code?: string };
  return `${message.slice(message.lastIndexOf(' - ') + 3)} (SQLSTATE ${code})`;
}
