import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { loadConfig } from '../../shared/config/load';
import { deployments } from '../../shared/deploy/functions';
import { createEvent, eventTypes, type EventType } from '../../shared/events/envelope';
import { eventMessage } from '../../shared/events/message';
import { manifestAsyncApi } from '../../shared/local/asyncapi-document';

/**
 * The AsyncAPI document of the events topic: what `npm run docs:asyncapi` wrote is current, it
 * is valid AsyncAPI 3.0 to @asyncapi/parser, it names every type the outbox writes and the
 * consumers route, and a message of each type, as the publisher encodes it, validates
 * against the document's payload and headers.
 */
const ROOT = resolve(__dirname, '../..');
const generated = manifestAsyncApi(loadConfig({}));
let document: AsyncAPIDocumentInterface;

beforeAll(async () => {
  const parsed = await new Parser().parse(JSON.stringify(generated));
  // Errors and warnings (severity 0, 1); the one information is "3.1.0 exists".
  expect(parsed.diagnostics.filter((d) => d.severity < 2).map((d) => d.message)).toEqual([]);
  document = parsed.document!;
});

const person = {
  uuid: '3f2c1a56-1f0a-4c55-9a55-0e6b6f1c2d11',
  survived: true,
  passengerClass: 3,
  name: 'Master. Assad Alexander Thomas',
  sex: 'male' as const,
  age: 0.42,
  siblingsOrSpousesAboard: 0,
  parentsOrChildrenAboard: 1,
  fare: 8.5167,
};
const samples: Record<EventType, ReturnType<typeof createEvent>> = {
  'person.created': createEvent('person.created', {
    subject: person.uuid,
    actor: 'test',
    data: person,
  }),
  'person.updated': createEvent('person.updated', {
    subject: person.uuid,
    actor: 'test',
    data: { ...person, age: 1 },
    previous: person,
  }),
  'person.deleted': createEvent('person.deleted', {
    subject: person.uuid,
    actor: 'test',
    data: { uuid: person.uuid },
    previous: person,
  }),
  'people.imported': createEvent('people.imported', {
    subject: '7d5e1a56-1f0a-4c55-9a55-0e6b6f1c2d11',
    actor: 'test',
    data: { source: 'titanic.csv', imported: 887, rejected: 0 },
  }),
};
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The event types named in `createEvent('<type>'` calls of the code: what the outbox gets. */
function typesTheCodeCreates(): string[] {
  const found = new Set<string>();
  for (const file of readdirSync(join(ROOT, 'shared'), { recursive: true, encoding: 'utf8' })) {
    if (!file.endsWith('.ts')) continue;
    const source = readFileSync(join(ROOT, 'shared', file), 'utf8');
    for (const m of source.matchAll(/createEvent\('([^']+)'/g)) found.add(m[1]!);
  }
  return [...found].sort();
}

describe('the AsyncAPI document', () => {
  it('is what npm run docs:asyncapi writes (docs/asyncapi.json is current)', () => {
    expect(JSON.parse(readFileSync(join(ROOT, 'docs/asyncapi.json'), 'utf8'))).toEqual(generated);
  });

  it('is AsyncAPI 3.0 with the events topic as its one channel, carrying every event type', () => {
    expect(document.version()).toBe('3.0.0');
    const channels = document.channels().all();
    expect(channels.map((c) => c.address())).toEqual([loadConfig({}).EVENTS_TOPIC]);
    expect(
      channels[0]!
        .messages()
        .all()
        .map((m) => m.id())
        .sort(),
    ).toEqual([...eventTypes].sort());
  });

  it('holds every type the outbox is written with (the code creates, and publish-cli accepts)', () => {
    const documented = document
      .messages()
      .all()
      .map((m) => m.id());
    expect(typesTheCodeCreates()).toEqual([...eventTypes].sort());
    for (const type of eventTypes) expect(documented).toContain(type);
  });

  it.each(
    deployments.flatMap((d) =>
      d.kind === 'event' && d.push.router ? [[d.name, d.push.router] as const] : [],
    ),
  )(
    '%s receives, in its operation, exactly the documented types its routes match',
    (name, router) => {
      const routed = eventTypes.filter((type) => router.routesFor(type).length > 0).sort();
      expect(routed.length).toBeGreaterThan(0);
      const operation = document.operations().get(`receive-${name}`)!;
      expect(operation.action()).toBe('receive');
      expect(
        operation
          .messages()
          .all()
          .map((m) => m.id())
          .sort(),
      ).toEqual(routed);
    },
  );

  describe.each(eventTypes)('a %s message as the publisher encodes it', (type) => {
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const message = eventMessage(samples[type], TRACEPARENT);

    it("validates against the document's payload and headers", () => {
      const documented = document.messages().get(type)!;
      const payload = ajv.compile(documented.payload()!.json());
      const headers = ajv.compile(documented.headers()!.json());
      expect(payload(JSON.parse(message.data.toString('utf8')))).toBe(true);
      expect(headers(message.attributes)).toBe(true);
    });

    it('fails them when broken (the check is not vacuous)', () => {
      const documented = document.messages().get(type)!;
      const payload = ajv.compile(documented.payload()!.json());
      const headers = ajv.compile(documented.headers()!.json());
      const envelope = JSON.parse(message.data.toString('utf8'));
      expect(payload({ ...envelope, data: { ...envelope.data, uuid: 'not-a-uuid' } })).toBe(false);
      expect(payload({ ...envelope, extra: 1 })).toBe(false);
      expect(headers({ ...message.attributes, traceparent: 'nope' })).toBe(false);
    });
  });
});
