import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalBus } from '../../shared/local/bus';
import type { PushSubscriptionSpec } from '../../shared/events/subscriptions';
import { capturedLogs, clearCapturedLogs } from '../support/logs';

/** A stand-in push endpoint: records every push and answers with the status `reply` chooses. */
function endpoint(reply: (path: string, body: any, count: number) => number) {
  const received: { path: string; body: any; at: number }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text);
      received.push({ path: req.url!, body, at: Date.now() });
      const count = received.filter(
        (r) => r.body.message.messageId === body.message.messageId && r.path === req.url,
      ).length;
      res.writeHead(reply(req.url!, body, count)).end();
    });
  });
  return { server, received };
}

const spec = (overrides: Partial<PushSubscriptionSpec>): PushSubscriptionSpec => ({
  name: 'manifest-events--consumer',
  function: 'consumer',
  topic: 'manifest-events',
  filter: '',
  ackDeadlineSeconds: 5,
  minimumBackoffSeconds: 10,
  maximumBackoffSeconds: 600,
  maxDeliveryAttempts: 5,
  deadLetterTopic: 'manifest-events-dead-letter',
  ...overrides,
});

describe('the local bus (in-process Pub/Sub with push semantics)', () => {
  let server: Server;
  let received: { path: string; body: any; at: number }[];
  let url: string;
  let status: (path: string, body: any, count: number) => number = () => 204;

  beforeAll(async () => {
    ({ server, received } = endpoint((p, b, c) => status(p, b, c)));
    await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((done) => server.close(() => done())));
  beforeEach(() => {
    received.length = 0;
    status = () => 204;
  });

  const message = (type: string) => ({
    data: Buffer.from(JSON.stringify({ type })),
    attributes: { type, id: 'x', traceparent: '' },
  });

  it("pushes the legacy {message, subscription} body to the function's topic path, for each subscription whose filter accepts", async () => {
    const bus = new LocalBus({
      projectId: 'p',
      baseUrl: () => url,
      subscriptions: [
        spec({
          name: 't--stats',
          function: 'stats-fn',
          filter: 'hasPrefix(attributes.type, "person.")',
        }),
        spec({ name: 't--audit', function: 'audit-fn', filter: '' }),
        spec({ name: 'other--x', function: 'x', topic: 'other-topic' }),
      ],
    });
    const id = await bus.publish('manifest-events', message('people.imported'));
    await bus.publish('manifest-events', message('person.created'));
    await bus.idle();
    expect(received.map((r) => [r.path, r.body.message.attributes.type]).sort()).toEqual([
      ['/audit-fn/projects/p/topics/manifest-events', 'people.imported'],
      ['/audit-fn/projects/p/topics/manifest-events', 'person.created'],
      ['/stats-fn/projects/p/topics/manifest-events', 'person.created'],
    ]);
    const first = received.find((r) => r.body.message.messageId === id)!;
    expect(first.body).toEqual({
      message: {
        data: message('people.imported').data.toString('base64'),
        attributes: message('people.imported').attributes,
        messageId: id,
        publishTime: expect.any(String),
      },
      subscription: 'projects/p/subscriptions/t--audit',
      deliveryAttempt: 1,
    });
  });

  it('retries a push that is not acknowledged, with exponential backoff capped at the maximum, until it is', async () => {
    status = (_p, _b, count) => (count < 5 ? 503 : 204);
    const bus = new LocalBus({
      projectId: 'p',
      baseUrl: () => url,
      subscriptions: [spec({ maximumBackoffSeconds: 25, maxDeliveryAttempts: 6 })],
      timeScale: 0.01,
    });
    clearCapturedLogs();
    await bus.publish('manifest-events', message('person.created'));
    await bus.idle();
    expect(received.map((r) => r.body.deliveryAttempt)).toEqual([1, 2, 3, 4, 5]);
    // The schedule, exactly: 10 s doubling, capped at 25 s.
    const retries = capturedLogs().filter((l) => l.message === 'push not acknowledged; will retry');
    expect(retries.map((l) => [l.attempt, l.retryInSeconds])).toEqual([
      [1, 10],
      [2, 20],
      [3, 25],
      [4, 25],
    ]);
    // Each retry really waited its backoff (scaled by 0.01); a slow machine only adds to a gap.
    const gaps = received.slice(1).map((r, i) => r.at - received[i]!.at);
    expect(gaps.map((gap, i) => gap >= [100, 200, 250, 250][i]!)).toEqual([true, true, true, true]);
    expect(bus.deadLettered).toEqual([]);
  });

  it("forwards the message to the dead-letter topic after maxDeliveryAttempts, with Pub/Sub's attributes", async () => {
    status = (path) => (path.startsWith('/dlq-fn') ? 204 : 500);
    const bus = new LocalBus({
      projectId: 'p',
      baseUrl: () => url,
      subscriptions: [
        spec({ maxDeliveryAttempts: 3 }),
        spec({ name: 'dlq--watch', function: 'dlq-fn', topic: 'manifest-events-dead-letter' }),
      ],
      timeScale: 0.001,
    });
    const id = await bus.publish('manifest-events', message('person.created'));
    await bus.idle();
    expect(received.filter((r) => r.path.startsWith('/consumer'))).toHaveLength(3);
    expect(bus.deadLettered).toEqual([
      {
        subscription: 'manifest-events--consumer',
        messageId: id,
        attributes: expect.objectContaining({
          type: 'person.created',
          CloudPubSubDeadLetterSourceDeliveryCount: '3',
          CloudPubSubDeadLetterSourceSubscription: 'manifest-events--consumer',
        }),
      },
    ]);
    const forwarded = received.find((r) => r.path.startsWith('/dlq-fn'))!;
    expect(forwarded.body.message.attributes.CloudPubSubDeadLetterSourceDeliveryCount).toBe('3');
  });

  it('treats an unreachable function as a failed delivery', async () => {
    const bus = new LocalBus({
      projectId: 'p',
      baseUrl: () => 'http://127.0.0.1:1',
      subscriptions: [spec({ maxDeliveryAttempts: 2 })],
      timeScale: 0.001,
    });
    await bus.publish('manifest-events', message('person.created'));
    await bus.idle();
    expect(bus.deadLettered).toHaveLength(1);
  });
});
