import type { Knex } from 'knex';
import { validateEnvelope, type ManifestEvent } from './envelope';
import { decodeMessageData, stringAttributes } from './message';
import { DEAD_LETTER_SOURCE, type HeldMessage, type RetainedDeadLetters } from './retained';

/**
 * The two kinds of dead letter, read as one list (redrive.ts replays them):
 * - `db-<id>`: a row of `dead_letter`, a message a consumer acknowledged without applying
 *   because it could never apply it (dead-letter.ts writes them, with the reason);
 * - `ps-<message id>`: a message waiting in the dead-letter topic's retained subscription,
 *   which Pub/Sub forwarded there after a consumer failed its last delivery attempt.
 * A Pub/Sub dead letter, once replayed or discarded, is copied into `dead_letter` (already
 * resolved) and acknowledged, so the history of both is the table.
 */

/** Where dead letters are read, and replays written. */
export interface DeadLetterSources {
  db: Knex;
  /** The retained subscription; without it only the table is read (the in-process bus keeps none). */
  retained?: RetainedDeadLetters;
}

/** Which dead letters: every field narrows the list. */
export interface DeadLetterFilter {
  /** The message's `type` attribute. */
  type?: string;
  /** Dead-lettered at or after. */
  since?: Date;
  consumer?: string;
  /** At most this many of each kind (default 1000). */
  limit?: number;
  /** The table's resolved entries too (replayed or discarded): the history. */
  includeResolved?: boolean;
}

/** How a dead letter was resolved: replayed through the outbox, or discarded. */
export interface Resolution {
  how: 'replayed' | 'discarded';
  at: string;
  by: string;
  /** The replay's outbox row. */
  outboxId?: string;
}

/** One dead letter, as `list` shows it. */
export interface DeadLetter {
  id: string;
  /** `refused`: a consumer could never apply it; `undelivered`: Pub/Sub gave up delivering it. */
  kind: 'refused' | 'undelivered';
  /** The consumer that failed it; null when its source subscription is not a consumer's. */
  consumer: string | null;
  eventId: string | null;
  type: string | null;
  reason: string;
  /** When it was dead-lettered. */
  at: string;
  /** The id of the message that failed (the one Pub/Sub pushed). */
  messageId: string | null;
  dataBytes: number;
  resolution?: Resolution;
}

/** One dead letter in full, as `show` gives it. */
export interface DeadLetterDetail extends DeadLetter {
  attributes: Record<string, string>;
  /** The message's data: the JSON it holds, or its text, or its base64 when it is neither. */
  data: unknown;
  /** Whether the data is whole (the table keeps at most 64 KiB of a message's base64). */
  complete: boolean;
  /** The event a replay would publish, or why there is none. */
  replayable: { event: ManifestEvent } | { reason: string };
}

/** Thrown for an id that names no dead letter, or is not an id at all. */
export class UnknownDeadLetterError extends Error {
  constructor(readonly ids: string[]) {
    super(
      `no such dead letter: ${ids.join(', ')} (ids are db-<number> or ps-<message id>, as list shows them)`,
    );
    this.name = 'UnknownDeadLetterError';
  }
}

/** A parsed id: a table row, or a message of the retained subscription. */
export type DeadLetterId = { table: string } | { pubsub: string };

/** Parses `db-42` or `ps-1234`; undefined for anything else. */
export function parseDeadLetterId(id: string): DeadLetterId | undefined {
  const match = /^(db|ps)-([0-9]{1,19})$/.exec(id);
  if (!match) return undefined;
  return match[1] === 'db' ? { table: match[2]! } : { pubsub: match[2]! };
}

/** A `dead_letter` row as stored. */
export interface DeadLetterRow {
  id: string | number;
  source: 'consumer' | 'pubsub';
  consumer: string;
  message_id: string | null;
  event_id: string | null;
  reason: string;
  attributes: Record<string, string>;
  data: string | null;
  data_bytes: number;
  received_at: Date;
  resolution: 'replayed' | 'discarded' | null;
  resolved_at: Date | null;
  resolved_by: string | null;
  replay_outbox_id: string | number | null;
}

/** The table's entries matching a filter, oldest first. */
export async function tableDeadLetters(
  db: Knex,
  filter: DeadLetterFilter,
): Promise<DeadLetterRow[]> {
  const query = db<DeadLetterRow>('dead_letter')
    .select()
    .orderBy('id')
    .limit(filter.limit ?? 1000);
  if (!filter.includeResolved) query.whereNull('resolved_at');
  if (filter.consumer) query.where({ consumer: filter.consumer });
  if (filter.since) query.where('received_at', '>=', filter.since);
  if (filter.type) query.whereRaw(`attributes->>'type' = ?`, [filter.type]);
  return query;
}

/** The consumer a Pub/Sub dead letter failed in, from its source subscription `<topic>--<consumer>`. */
export function sourceConsumer(attributes: Record<string, string>, eventsTopic: string) {
  const source = attributes[DEAD_LETTER_SOURCE.subscription] ?? '';
  const prefix = `${eventsTopic}--`;
  return source.startsWith(prefix) ? source.slice(prefix.length) : null;
}

/** Why Pub/Sub dead-lettered a message, in words (it records no reason of its own). */
export function pubsubReason(attributes: Record<string, string>): string {
  const source = attributes[DEAD_LETTER_SOURCE.subscription] ?? 'an unknown subscription';
  const count = attributes[DEAD_LETTER_SOURCE.deliveryCount] ?? 'every';
  return `Pub/Sub gave up after ${count} failed deliveries from ${source}; the cause is in that function's logs`;
}

/** Whether a held Pub/Sub dead letter matches a filter. */
export function heldMatches(
  message: HeldMessage,
  filter: DeadLetterFilter,
  eventsTopic: string,
): boolean {
  if (filter.type && message.attributes.type !== filter.type) return false;
  if (filter.since && message.publishTime < filter.since) return false;
  if (filter.consumer && sourceConsumer(message.attributes, eventsTopic) !== filter.consumer)
    return false;
  return true;
}

/** A table row as a list entry. */
export function fromRow(row: DeadLetterRow): DeadLetter {
  const attributes = stringAttributes(row.attributes);
  return {
    id: `db-${row.id}`,
    kind: row.source === 'pubsub' ? 'undelivered' : 'refused',
    consumer: row.consumer,
    eventId: row.event_id,
    type: attributes.type ?? null,
    reason: row.reason,
    at: new Date(row.received_at).toISOString(),
    messageId: row.message_id,
    dataBytes: row.data_bytes,
    ...(row.resolution
      ? {
          resolution: {
            how: row.resolution,
            at: new Date(row.resolved_at!).toISOString(),
            by: row.resolved_by!,
            ...(row.replay_outbox_id !== null ? { outboxId: String(row.replay_outbox_id) } : {}),
          },
        }
      : {}),
  };
}

/** A held Pub/Sub message as a list entry. */
export function fromHeld(message: HeldMessage, eventsTopic: string): DeadLetter {
  return {
    id: `ps-${message.messageId}`,
    kind: 'undelivered',
    consumer: sourceConsumer(message.attributes, eventsTopic),
    eventId: message.attributes.id ?? null,
    type: message.attributes.type ?? null,
    reason: pubsubReason(message.attributes),
    at: message.publishTime.toISOString(),
    messageId: message.messageId,
    dataBytes: message.data.toString('base64').length,
  };
}

/**
 * The event a dead letter holds, as a replay publishes it: its data when whole and a valid
 * envelope; for data the table kept only in part, the event's original outbox row while the
 * outbox still holds it (OUTBOX_RETENTION_HOURS).
 */
export async function recoverEvent(
  db: Knex,
  data: string,
  dataBytes: number,
  eventId: string | null,
): Promise<{ event: ManifestEvent } | { reason: string }> {
  if (data.length < dataBytes) {
    const original =
      eventId && /^[0-9a-f-]{36}$/i.test(eventId)
        ? await db('outbox')
            .where({ event_id: eventId })
            .whereNull('redrive_of')
            .first<{ payload: unknown } | undefined>('payload')
        : undefined;
    if (!original)
      return {
        reason: `only ${data.length} of its ${dataBytes} base64 characters were kept, and the outbox no longer holds its event`,
      };
    return checked(original.payload);
  }
  const decoded = decodeMessageData({ data, messageId: '' });
  if ('reason' in decoded) return { reason: decoded.reason };
  return checked(decoded.value);
}

function checked(value: unknown): { event: ManifestEvent } | { reason: string } {
  const result = validateEnvelope(value);
  return 'invalid' in result ? { reason: result.invalid.reason } : { event: result.event };
}

/** A message's data for reading: its JSON, else its UTF-8 text, else the base64 as kept. */
export function readableData(base64: string): unknown {
  const bytes = Buffer.from(base64, 'base64');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  try {
    return JSON.parse(text);
  } catch {
    return text.includes('\ufffd') ? base64 : text;
  }
}
