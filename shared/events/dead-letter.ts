import { readyDatabase } from '../db';
import { logger } from '../logging';
import { stringAttributes, type PubsubMessage } from './message';

/** Largest part of a refused message's data kept in `dead_letter`. */
const KEPT_DATA_CHARS = 64 * 1024;

/**
 * Acknowledges a message no redelivery can help (unreadable, an invalid envelope, data the
 * database refuses): logged with its id and reason, and kept in `dead_letter` with as much of
 * what was sent as the table can hold.
 */
export async function deadLetter(
  consumer: string,
  message: PubsubMessage | undefined,
  reason: string,
  eventId?: string,
): Promise<'dead-lettered'> {
  const data = typeof message?.data === 'string' ? message.data : '';
  logger.error(
    { messageId: message?.messageId, reason },
    'invalid message acknowledged and stored in dead_letter',
  );
  const db = await readyDatabase();
  // Everything stored here came from the sender: PostgreSQL text cannot hold NUL (nor jsonb a
  // \u0000 escape), and a refused insert would make a poison message fail for ever.
  const storedEventId = eventId ?? stringAttributes(message?.attributes).id;
  await db('dead_letter').insert({
    consumer,
    message_id: typeof message?.messageId === 'string' ? storable(message.messageId, 200) : null,
    event_id: storedEventId === undefined ? null : storable(storedEventId, 64),
    reason: storable(reason, 2000),
    attributes: JSON.stringify(sanitizeAttributes(message?.attributes)),
    data: storable(data, KEPT_DATA_CHARS),
    data_bytes: data.length,
  });
  return 'dead-lettered';
}

/** A received string cut to a length, without NUL characters or a dangling surrogate half. */
function storable(value: string, max: number): string {
  return value
    .slice(0, max)
    .replaceAll('\u0000', '')
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The attributes as stored: at most 100, each name and value cut to a storable length. */
function sanitizeAttributes(attributes: unknown): Record<string, string> {
  if (!attributes || typeof attributes !== 'object') return {};
  return Object.fromEntries(
    Object.entries(attributes as Record<string, unknown>)
      .slice(0, 100)
      .map(([k, v]) => [storable(k, 256), storable(String(v), 1024)]),
  );
}
