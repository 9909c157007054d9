import { PubSub, v1 } from '@google-cloud/pubsub';
import type { Emulator } from './emulator';
import { personData, request } from './http';
import { startThrottled } from './throttled';

/** One write of the scenario: its answer, and whether its event was on the topic by then. */
export interface FrozenWrite {
  status: number;
  uuid: string;
  onTopic: boolean;
}

/** What the scenario saw. */
export interface FrozenWrites {
  writes: FrozenWrite[];
  /** Writes whose event was on the topic when their answer arrived. */
  onTopicWhenAnswered: number;
  /** The harness's counters over the writes (each write thaws and freezes the function once). */
  counts: { requests: number; freezes: number; thaws: number };
}

let subscriptions = 0;

/**
 * Issue 13 (a) as a scenario, with the real emulator: the people bundle behind the throttled
 * harness (no CPU outside a request, as Cloud Run gives), `count` writes one after another,
 * each answered and then frozen. After each answer, once the function is frozen (so it can
 * publish nothing more), a pull subscription of the scenario's own, made on the events topic
 * before the first write, is drained: was that write's `person.created` on the topic?
 *
 * Nothing else publishes (no relay runs), so an event found there left with its write. The
 * topic is made here, as Terraform makes it in the cloud.
 */
export async function writesFrozenAfterEachAnswer(options: {
  emulator: Emulator;
  /** The people bundle's directory (bundleFunction('people')). */
  source: string;
  databaseUrl: string;
  count: number;
  topic?: string;
}): Promise<FrozenWrites> {
  const { emulator, topic = 'manifest-events' } = options;
  const pubsub = new PubSub({ projectId: emulator.project, apiEndpoint: emulator.host });
  const [exists] = await pubsub.topic(topic).exists();
  if (!exists) await pubsub.createTopic(topic);
  const name = `frozen-writes-${process.pid}-${++subscriptions}`;
  const [subscription] = await pubsub.topic(topic).createSubscription(name);
  // The library's documented way to reach the emulator with a generated client.
  const config = await pubsub.getClientConfig();
  const subscriber = new v1.SubscriberClient(
    config as ConstructorParameters<typeof v1.SubscriberClient>[0],
  );
  const seen = new Set<string>();
  const drain = async () => {
    for (;;) {
      const [pulled] = await subscriber.pull({
        subscription: subscription.name,
        maxMessages: 100,
        returnImmediately: true,
      });
      const messages = pulled.receivedMessages ?? [];
      if (messages.length === 0) return;
      for (const { message } of messages) {
        const event = JSON.parse(Buffer.from(message!.data!).toString('utf8'));
        if (event.type === 'person.created') seen.add(event.subject);
      }
      await subscriber.acknowledge({
        subscription: subscription.name,
        ackIds: messages.map((m) => m.ackId!),
      });
    }
  };

  const people = await startThrottled({
    name: 'people',
    source: options.source,
    env: {
      DATABASE_URL: options.databaseUrl,
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: emulator.project,
      EVENTS_TOPIC: topic,
      LOG_LEVEL: 'warn',
    },
    ready: { path: '/people?limit=1' },
  });
  const writes: FrozenWrite[] = [];
  const before = people.counts;
  try {
    for (let i = 0; i < options.count; i++) {
      const res = await request(`${people.url}/people`, {
        method: 'POST',
        json: personData({ name: `Mx. Frozen ${i}` }),
      });
      await people.idle();
      await drain();
      writes.push({ status: res.status, uuid: res.body.uuid, onTopic: seen.has(res.body.uuid) });
    }
    const after = people.counts;
    return {
      writes,
      onTopicWhenAnswered: writes.filter((w) => w.onTopic).length,
      counts: {
        requests: after.requests - before.requests,
        freezes: after.freezes - before.freezes,
        thaws: after.thaws - before.thaws,
      },
    };
  } finally {
    await people.stop();
    await subscription.delete();
    await subscriber.close();
    await pubsub.close();
  }
}
