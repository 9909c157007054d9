import { EnvelopeBase, eventSchemas, eventTypes, type EventType } from './envelope';
import { filterAccepts } from './filter';
import { EventAttributesSchema } from './message';

/**
 * The event contract for Pub/Sub publishers and subscribers, as OpenAPI is for HTTP callers:
 * an AsyncAPI 3.0 document of the events topic. Every message type's payload is the very
 * schema consumers validate envelopes with (envelope.ts), its headers the attributes schema
 * the publisher's messages follow (message.ts); each subscriber's operation lists the types
 * its push subscription's filter lets through. Written to docs/asyncapi.json by
 * `npm run docs:asyncapi` and served by the local stack at /asyncapi.json.
 * https://www.asyncapi.com/docs/reference/specification/v3.0.0
 */

/** A push subscription of the events topic, as the document describes it. */
export interface EventSubscriber {
  /** The function it pushes to. */
  function: string;
  /** Subscription id. */
  subscription: string;
  /** Its Pub/Sub filter ('' for every message). */
  filter: string;
  maxDeliveryAttempts: number;
  deadLetterTopic: string;
}

/** Plain JSON of a TypeBox schema (TypeBox marks its objects with symbol keys). */
const plain = (schema: unknown): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const messageRef = (type: EventType) => ({ $ref: `#/components/messages/${type}` });

const SUMMARY: Record<EventType, string> = {
  'person.created': 'A person was added to the manifest.',
  'person.updated': 'A person was changed; `previous` is the state before.',
  'person.deleted': 'A person was removed; `previous` is the state before.',
  'people.imported': 'A bulk import finished (CSV through the CLI or `POST /people`).',
};

/** Builds the AsyncAPI document of the events topic and its subscribers. */
export function asyncApiDocument(options: {
  topic: string;
  subscribers: EventSubscriber[];
  version: string;
}): Record<string, unknown> {
  const channel = { $ref: '#/channels/events' };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'manifest events',
      version: options.version,
      description:
        'Every change to the passenger manifest, published on one Pub/Sub topic as a JSON envelope (UTF-8) with its type and id repeated as message attributes. Delivery is at least once: consumers deduplicate on the envelope id.',
    },
    defaultContentType: 'application/json',
    channels: {
      events: {
        address: options.topic,
        title: 'The events topic',
        description:
          'Pub/Sub topic. Publishers: the people function (after commit) and relay-outbox (what the fast path missed), both from the transactional outbox.',
        messages: Object.fromEntries(eventTypes.map((type) => [type, messageRef(type)])),
      },
    },
    operations: {
      publish: {
        action: 'send',
        title: 'Publish a change',
        summary: 'The people function and relay-outbox publish every event of the outbox.',
        channel,
        messages: eventTypes.map((type) => ({ $ref: `#/channels/events/messages/${type}` })),
      },
      ...Object.fromEntries(
        options.subscribers.map((s) => [
          `receive-${s.function}`,
          {
            action: 'receive',
            title: `${s.function} receives`,
            summary: `Push subscription ${s.subscription} (filter: ${s.filter || 'none, every message'}); after ${s.maxDeliveryAttempts} failed deliveries a message goes to ${s.deadLetterTopic}.`,
            channel,
            messages: eventTypes
              .filter((type) => filterAccepts(s.filter, { type }))
              .map((type) => ({ $ref: `#/channels/events/messages/${type}` })),
          },
        ]),
      ),
    },
    components: {
      messages: Object.fromEntries(
        eventTypes.map((type) => [
          type,
          {
            name: type,
            title: type,
            summary: SUMMARY[type],
            contentType: 'application/json',
            headers: plain(EventAttributesSchema),
            payload: plain(eventSchemas[type]),
          },
        ]),
      ),
      schemas: { Envelope: plain(EnvelopeBase) },
    },
  };
}
