import type { PubSub, Topic } from '@google-cloud/pubsub';
import { config } from '../config';
import { onShutdown } from '../runtime/shutdown';
import type { OutgoingMessage } from './message';

/** Sends messages to a topic; resolves with the message id once the topic has accepted it. */
export interface EventPublisher {
  publish(topic: string, message: OutgoingMessage): Promise<string>;
  /** False when this publisher can never publish (the outbox relay of another process will). */
  readonly available?: boolean;
  /**
   * Resolves once the client is loaded and made, so that what follows is the publish alone:
   * a publish's time limit is for the broker, not for loading this process's own code.
   */
  ready?(): Promise<void>;
}

/** Thrown when a publish does not complete within PUBLISH_TIMEOUT_MS. */
export class PublishTimeoutError extends Error {
  constructor(ms: number) {
    super(`publishing did not complete within ${ms} ms`);
    this.name = 'PublishTimeoutError';
  }
}

/**
 * Publishes with the real Pub/Sub client: to Google Cloud, or to the emulator when
 * PUBSUB_EMULATOR_HOST is set (the client library reads it). The client is loaded and
 * created on the first publish, so functions that never publish never pay for it.
 */
export class PubSubPublisher implements EventPublisher {
  private client: Promise<PubSub> | undefined;
  private readonly topics = new Map<string, Topic>();

  constructor(
    private readonly projectId: string,
    private readonly timeoutMs: number,
  ) {}

  async ready(): Promise<void> {
    await this.loaded();
  }

  async publish(topicName: string, message: OutgoingMessage): Promise<string> {
    const topic = await this.topic(topicName);
    let timer: NodeJS.Timeout | undefined;
    // The client retries for up to a minute on its own; the outbox retries better (per row,
    // with backoff, across instances), so a slow publish gives up early and leaves the row pending.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PublishTimeoutError(this.timeoutMs)), this.timeoutMs);
    });
    try {
      return await Promise.race([
        topic.publishMessage({ data: message.data, attributes: message.attributes }),
        timeout,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Flushes pending batches and closes the client's channels. */
  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    this.topics.clear();
    if (client) await (await client).close();
  }

  /**
   * The client, loaded and made once. Its configuration (credentials, and on Cloud Run the
   * metadata server's answers) is resolved here too, which is one-time work a first publish
   * would otherwise do inside its time limit; a failure there is left for the publish to meet.
   */
  private loaded(): Promise<PubSub> {
    this.client ??= import('@google-cloud/pubsub').then(async ({ PubSub }) => {
      const client = new PubSub({ projectId: this.projectId });
      await client.getClientConfig().catch(() => undefined);
      // The generated client a Topic publishes through is made on the first request, and
      // making it (its protos, its gRPC stub) took 0.35 s of a first publish on an idle
      // machine and over 2 s under load, so the first write's event missed its limit. It is
      // made here instead, by the library's own (private) getClientAsync_; the version is
      // pinned, and without the method the first publish makes it as before.
      const library = client as unknown as {
        getClientAsync_?(config: { client: string }): Promise<{ initialize(): Promise<unknown> }>;
      };
      await library
        .getClientAsync_?.({ client: 'PublisherClient' })
        .then((generated) => generated.initialize())
        .catch(() => undefined);
      return client;
    });
    return this.client;
  }

  private async topic(name: string): Promise<Topic> {
    const client = await this.loaded();
    let topic = this.topics.get(name);
    if (!topic) {
      // Tiny batches: an event is published while its HTTP request waits.
      topic = client.topic(name, {
        batching: { maxMessages: 100, maxMilliseconds: 5 },
        gaxOpts: { timeout: this.timeoutMs },
      });
      this.topics.set(name, topic);
    }
    return topic;
  }
}

/**
 * A function run alone on a laptop, with neither the emulator nor Cloud Run around it: there is
 * no Pub/Sub to publish to (and the client would fail on missing credentials). Publishing
 * fails at once, so events wait in the outbox until a relay that can publish runs (the local
 * stack's, sharing the database).
 */
export class NoPubSubPublisher implements EventPublisher {
  readonly available = false;
  async publish(): Promise<string> {
    throw new Error(
      'no Pub/Sub here (PUBSUB_EMULATOR_HOST is unset and this is not Cloud Run): the event waits in the outbox',
    );
  }
}

let current: EventPublisher | undefined;
/** Closes the Pub/Sub publisher this module made, and removes its shutdown step. */
let closeMade: (() => Promise<void>) | undefined;

/**
 * This instance's publisher, unless the local stack or a test installed another: the Pub/Sub
 * client on Cloud Run (K_SERVICE is set there) or with PUBSUB_EMULATOR_HOST, else none.
 */
export function publisher(): EventPublisher {
  if (!current) {
    const settings = config();
    if (settings.PUBSUB_EMULATOR_HOST || process.env.K_SERVICE) {
      const pubsub = new PubSubPublisher(
        settings.GOOGLE_CLOUD_PROJECT,
        settings.PUBLISH_TIMEOUT_MS,
      );
      const unregister = onShutdown('pubsub publisher', () => pubsub.close());
      closeMade = () => (unregister(), pubsub.close());
      current = pubsub;
    } else {
      current = new NoPubSubPublisher();
    }
  }
  return current;
}

/**
 * Forgets the publisher, installed or made here (closing the one made here, and removing its
 * shutdown step), so the next `publisher()` chooses again; see runtime/testing.ts.
 */
export async function forgetPublisher(): Promise<void> {
  const close = closeMade;
  current = closeMade = undefined;
  await close?.();
}

/** Installs a publisher (the local stack's in-process bus, a test's); returns the restore function. */
export function usePublisher(replacement: EventPublisher): () => void {
  const previous = current;
  current = replacement;
  return () => {
    current = previous;
  };
}
