import type { v1 } from '@google-cloud/pubsub';

/**
 * The dead-letter topic's retained pull subscription: where the messages wait that Pub/Sub
 * gave up delivering to a push subscription (Terraform's modules/pubsub-topic
 * `retained_subscription`; the local stack makes the same on the emulator). Nothing else pulls
 * from it, so a message stays until a redrive acknowledges it; it acknowledges only once the
 * replay is committed to the outbox.
 */

/** The retained subscription of a topic, as modules/pubsub-topic names it. */
export function retainedSubscriptionName(topic: string): string {
  return `${topic}--retained`;
}

/**
 * Pub/Sub's attributes on a dead-lettered message:
 * https://cloud.google.com/pubsub/docs/handling-failures#track-delivery-attempts
 */
export const DEAD_LETTER_SOURCE = {
  subscription: 'CloudPubSubDeadLetterSourceSubscription',
  deliveryCount: 'CloudPubSubDeadLetterSourceDeliveryCount',
} as const;

/** A message pulled from the retained subscription and leased until acknowledged or released. */
export interface HeldMessage {
  ackId: string;
  messageId: string;
  /** When it was forwarded to the dead-letter topic. */
  publishTime: Date;
  data: Buffer;
  attributes: Record<string, string>;
}

/** What a redrive needs from the retained subscription. */
export interface RetainedDeadLetters {
  /** Full name, `projects/<project>/subscriptions/<id>`. */
  readonly subscription: string;
  /**
   * Pulls the waiting messages, at most `limit`, and leases them for LEASE_SECONDS: no one else
   * sees them until they are acknowledged or released.
   */
  pull(limit: number): Promise<HeldMessage[]>;
  /** Acknowledges: the message leaves the subscription's backlog (and its alert). */
  ack(messages: HeldMessage[]): Promise<void>;
  /** Gives the lease back at once: the message waits as before. */
  release(messages: HeldMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** How long pulled messages stay leased: longer than a redrive of them takes. */
const LEASE_SECONDS = 300;
/** Messages per pull request (Pub/Sub's maximum is 1000). */
const PULL_BATCH = 500;
/**
 * How long a pull may wait for messages: a pull returns what the server has at hand, often
 * fewer than wait, so pulls continue until one comes back empty within this time.
 */
const PULL_WAIT_MS = 3000;

/**
 * The retained subscription through the real client: Google Cloud with the caller's
 * credentials (Application Default Credentials), or the emulator when PUBSUB_EMULATOR_HOST is set.
 */
export async function openRetainedDeadLetters(
  projectId: string,
  subscriptionId: string,
): Promise<RetainedDeadLetters> {
  const { PubSub, v1: clients } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId });
  const { port, ...options } = await pubsub.getClientConfig();
  const client: v1.SubscriberClient = new clients.SubscriberClient({
    ...options,
    ...(port === undefined ? {} : { port: Number(port) }),
  });
  const subscription = `projects/${projectId}/subscriptions/${subscriptionId}`;
  const modify = async (messages: HeldMessage[], seconds: number) => {
    for (let i = 0; i < messages.length; i += PULL_BATCH) {
      const ackIds = messages.slice(i, i + PULL_BATCH).map((m) => m.ackId);
      await client.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: seconds });
    }
  };
  return {
    subscription,
    async pull(limit) {
      const held: HeldMessage[] = [];
      while (held.length < limit) {
        let received;
        try {
          [{ receivedMessages: received }] = await client.pull(
            { subscription, maxMessages: Math.min(PULL_BATCH, limit - held.length) },
            { timeout: PULL_WAIT_MS, retry: null } as never,
          );
        } catch (error) {
          // DEADLINE_EXCEEDED: nothing more arrived within PULL_WAIT_MS.
          if ((error as { code?: number }).code === 4) break;
          await modify(held, 0).catch(() => undefined);
          throw error;
        }
        if (!received || received.length === 0) break;
        const batch = received.map((r) => ({
          ackId: r.ackId!,
          messageId: String(r.message?.messageId ?? ''),
          publishTime: new Date(
            Number(r.message?.publishTime?.seconds ?? 0) * 1000 +
              Math.floor((r.message?.publishTime?.nanos ?? 0) / 1e6),
          ),
          data: Buffer.from(r.message?.data ?? ''),
          attributes: { ...(r.message?.attributes ?? {}) },
        }));
        await modify(batch, LEASE_SECONDS);
        held.push(...batch);
      }
      return held;
    },
    async ack(messages) {
      for (let i = 0; i < messages.length; i += PULL_BATCH) {
        const ackIds = messages.slice(i, i + PULL_BATCH).map((m) => m.ackId);
        await client.acknowledge({ subscription, ackIds });
      }
    },
    release: (messages) => modify(messages, 0),
    close: async () => {
      await client.close();
      await pubsub.close();
    },
  };
}
