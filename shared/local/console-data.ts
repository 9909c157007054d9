import type { Knex } from 'knex';
import { filterAccepts } from '../events/filter';
import type { PushSubscriptionSpec } from '../events/subscriptions';
import type { ConsumerDeliveries, DeliveryLog } from './deliveries';

/** How many of the latest events, pending rows and dead letters the console shows. */
export const CONSOLE_ROWS = 25;

/** An event of the outbox with what each consumer that should get it did with it. */
export interface ConsoleEvent {
  eventId: string;
  type: string;
  subject: string;
  time: string;
  /** When the outbox row was published ('' while pending). */
  sentAt: string;
  /** One per consumer whose subscription accepts the event, in subscription order. */
  deliveries: (ConsumerDeliveries | { consumer: string; attempts: 0 })[];
}

export interface PendingRow {
  id: string;
  eventId: string;
  type: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string;
}

export interface DeadLetterRow {
  /** The redrive's id of a `dead_letter` row: `db-<row id>`. */
  id: string;
  consumer: string;
  eventId: string;
  reason: string;
  receivedAt: string;
}

/** What the console shows from the database and the delivery log. */
export interface ConsoleState {
  events: ConsoleEvent[];
  pendingCount: number;
  pending: PendingRow[];
  deadLetterCount: number;
  deadLetters: DeadLetterRow[];
}

const iso = (value: unknown) => (value ? new Date(value as string).toISOString() : '');

/**
 * Reads the latest events (the outbox keeps every one, sent or not), the rows still pending,
 * and the dead letters; and joins each event to the deliveries recorded for it. The consumers
 * an event should reach are the subscriptions of the events topic whose filter accepts its type.
 */
export async function readConsoleState(
  db: Knex,
  deliveries: DeliveryLog,
  subscriptions: PushSubscriptionSpec[],
  eventsTopic: string,
): Promise<ConsoleState> {
  const [events, pending, [pendingCount], deadLetters, [deadLetterCount]] = await Promise.all([
    db('outbox')
      .select('event_id', 'type', 'subject', 'created_at', 'sent_at')
      .orderBy('id', 'desc')
      .limit(CONSOLE_ROWS),
    db('outbox')
      .select('id', 'event_id', 'type', 'attempts', 'next_attempt_at', 'last_error')
      .whereNull('sent_at')
      .orderBy('id')
      .limit(CONSOLE_ROWS),
    db('outbox').whereNull('sent_at').count({ n: '*' }),
    // Those waiting: a replayed or discarded one is history (redrive.ts).
    db('dead_letter')
      .select('id', 'consumer', 'event_id', 'reason', 'received_at')
      .whereNull('resolution')
      .orderBy('id', 'desc')
      .limit(CONSOLE_ROWS),
    db('dead_letter').whereNull('resolution').count({ n: '*' }),
  ]);
  const consumersOf = (type: string) =>
    subscriptions
      .filter((s) => s.topic === eventsTopic && filterAccepts(s.filter, { type }))
      .map((s) => s.function);
  return {
    events: events.map((row) => {
      const seen = deliveries.of(row.event_id);
      return {
        eventId: row.event_id,
        type: row.type,
        subject: row.subject,
        time: iso(row.created_at),
        sentAt: iso(row.sent_at),
        deliveries: consumersOf(row.type).map(
          (consumer) => seen.get(consumer) ?? { consumer, attempts: 0 as const },
        ),
      };
    }),
    pendingCount: Number(pendingCount?.n ?? 0),
    pending: pending.map((row) => ({
      id: String(row.id),
      eventId: row.event_id,
      type: row.type,
      attempts: row.attempts,
      nextAttemptAt: iso(row.next_attempt_at),
      lastError: row.last_error ?? '',
    })),
    deadLetterCount: Number(deadLetterCount?.n ?? 0),
    deadLetters: deadLetters.map((row) => ({
      id: `db-${String(row.id)}`,
      consumer: row.consumer,
      eventId: row.event_id ?? '',
      reason: row.reason,
      receivedAt: iso(row.received_at),
    })),
  };
}
