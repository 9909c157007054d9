import { Type, type Static } from '@sinclair/typebox';
import { TRACEPARENT_PATTERN } from '../logging';
import { EVENT_TYPE_PATTERN, type ManifestEvent } from './envelope';

/**
 * Wire formats, written out once.
 *
 * A Pub/Sub message as a push subscription sends it (and as functions-framework hands it to
 * a CloudEvent function in `data.message`):
 * https://cloud.google.com/pubsub/docs/reference/rest/v1/PubsubMessage
 */
export interface PubsubMessage {
  /** Base64 of the payload. */
  data?: string;
  attributes?: Record<string, string>;
  messageId: string;
  publishTime?: string;
  orderingKey?: string;
}

/** The body of a (legacy, unwrapped=false) push request. https://cloud.google.com/pubsub/docs/push#receive_push */
export interface PushBody {
  message: PubsubMessage;
  subscription: string;
  deliveryAttempt?: number;
}

/**
 * The `data` of the CloudEvent functions-framework makes of a push request
 * (`google.cloud.pubsub.topic.v1.messagePublished`).
 * https://github.com/googleapis/google-cloudevents/blob/main/proto/google/events/cloud/pubsub/v1/data.proto
 */
export interface MessagePublishedData {
  message: PubsubMessage;
  subscription?: string;
}

/**
 * The attributes every manifest event message carries, so filters and traces need no decoding
 * (the AsyncAPI document's message headers, shared/events/asyncapi.ts).
 */
export const EventAttributesSchema = Type.Object(
  {
    type: Type.String({
      pattern: EVENT_TYPE_PATTERN,
      description: "The envelope's `type`; push subscriptions filter on it.",
    }),
    id: Type.String({ format: 'uuid', description: "The envelope's `id`." }),
    traceparent: Type.String({
      pattern: `^$|${TRACEPARENT_PATTERN}`,
      description:
        'W3C trace context of the request that caused the event (empty when none was kept).',
    }),
  },
  { additionalProperties: false },
);
export type EventAttributes = Static<typeof EventAttributesSchema> & Record<string, string>;

/** What the publisher sends: the envelope as UTF-8 JSON, plus its attributes. */
export interface OutgoingMessage {
  data: Buffer;
  attributes: Record<string, string>;
}

/**
 * The attributes of a replayed dead letter (shared/events/redrive.ts), besides the event's own:
 * which dead letter it replays, and the one consumer meant to apply it. Every other consumer
 * acknowledges it unapplied (consumer.ts), so a redrive re-drives only the consumer that failed.
 */
export const REDRIVE_ATTRIBUTES = { of: 'redrive_of', consumer: 'redrive_consumer' } as const;

/** What a replay adds to an event's message: the dead letter it replays and its consumer. */
export interface RedriveTarget {
  of: string;
  /** The only consumer that applies it; undefined: every consumer (each is idempotent). */
  consumer?: string;
}

/** Encodes an event as a Pub/Sub message (a replay's, with its redrive attributes). */
export function eventMessage(
  event: ManifestEvent,
  traceparent: string,
  redrive?: RedriveTarget,
): OutgoingMessage {
  const attributes: Record<string, string> = {
    type: event.type,
    id: event.id,
    traceparent,
  } satisfies EventAttributes;
  if (redrive) {
    attributes[REDRIVE_ATTRIBUTES.of] = redrive.of;
    if (redrive.consumer) attributes[REDRIVE_ATTRIBUTES.consumer] = redrive.consumer;
  }
  return { data: Buffer.from(JSON.stringify(event), 'utf8'), attributes };
}

/**
 * The push body Pub/Sub sends for a message (what the local bus posts, and what tests and
 * benchmarks deliver by hand).
 */
export function pushBody(
  message: { data: Buffer | string; attributes?: Record<string, string> },
  options: {
    messageId: string;
    subscription: string;
    publishTime?: string;
    deliveryAttempt?: number;
  },
): PushBody {
  return {
    message: {
      data: Buffer.isBuffer(message.data) ? message.data.toString('base64') : message.data,
      attributes: message.attributes ?? {},
      messageId: options.messageId,
      publishTime: options.publishTime ?? new Date().toISOString(),
    },
    subscription: options.subscription,
    ...(options.deliveryAttempt !== undefined ? { deliveryAttempt: options.deliveryAttempt } : {}),
  };
}

/** Largest payload a consumer will try to parse; Pub/Sub's own limit is 10 MB. */
export const MAX_EVENT_BYTES = 1024 * 1024;

/**
 * Decodes a received message's payload to JSON (not yet validated).
 * @returns the parsed value, or why it cannot be read
 */
export function decodeMessageData(message: PubsubMessage): { value: unknown } | { reason: string } {
  if (typeof message.data !== 'string' || message.data.length === 0)
    return { reason: 'the message has no data' };
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(message.data))
    return { reason: 'the message data is not base64' };
  const bytes = Buffer.from(message.data, 'base64');
  if (bytes.length > MAX_EVENT_BYTES)
    return {
      reason: `the message data is ${bytes.length} bytes; events are at most ${MAX_EVENT_BYTES}`,
    };
  const text = new TextDecoder('utf-8', { fatal: true });
  try {
    return { value: JSON.parse(text.decode(bytes)) };
  } catch (error) {
    return { reason: `the message data is not UTF-8 JSON (${(error as Error).message})` };
  }
}

/** The attributes whose values are strings (a malformed push may carry anything). */
export function stringAttributes(attributes: unknown): Record<string, string> {
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) return {};
  return Object.fromEntries(
    Object.entries(attributes as Record<string, unknown>).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
}
