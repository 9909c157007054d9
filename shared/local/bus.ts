import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EventPublisher } from '../events/publisher';
import { filterAccepts } from '../events/filter';
import { pushBody, type OutgoingMessage } from '../events/message';
import { pushPath, type PushSubscriptionSpec } from '../events/subscriptions';
import { logger } from '../logging';

/** A push that Pub/Sub counts as an acknowledgement. */
const ACK_STATUSES = new Set([102, 200, 201, 202, 204]);

export interface LocalBusOptions {
  projectId: string;
  /** Base URL of the local stack's gateway, known once it listens. */
  baseUrl: () => string;
  subscriptions: PushSubscriptionSpec[];
  /** Multiplies every backoff (tests use a small factor; the local stack uses 1). */
  timeScale?: number;
  /** Pushes in flight per subscription (Pub/Sub's push flow control). */
  maxInFlight?: number;
}

interface Delivery {
  spec: PushSubscriptionSpec;
  messageId: string;
  message: OutgoingMessage;
  publishTime: string;
  attempt: number;
}

/**
 * The local stack's Pub/Sub: an in-process bus with the cloud's delivery semantics. Each
 * published message goes to every subscription of its topic whose filter accepts it, as the
 * same HTTP push request Pub/Sub sends (the legacy `{message, subscription}` body) to the same
 * path on the function. A push answered with anything but an ack status is retried with the
 * subscription's exponential backoff; after `maxDeliveryAttempts` the message is forwarded to
 * the dead-letter topic with Pub/Sub's CloudPubSubDeadLetter* attributes.
 */
export class LocalBus implements EventPublisher {
  private readonly pending = new Set<Promise<void>>();
  private readonly queues = new Map<string, Delivery[]>();
  private readonly active = new Map<string, number>();
  private closed = false;
  /** Messages forwarded to a dead-letter topic, newest last. */
  readonly deadLettered: {
    subscription: string;
    messageId: string;
    attributes: Record<string, string>;
  }[] = [];

  constructor(private readonly options: LocalBusOptions) {}

  async publish(topic: string, message: OutgoingMessage): Promise<string> {
    if (this.closed) throw new Error('the local bus is closed');
    const messageId = randomUUID();
    const publishTime = new Date().toISOString();
    for (const spec of this.options.subscriptions) {
      if (spec.topic !== topic || !filterAccepts(spec.filter, message.attributes)) continue;
      this.enqueue({ spec, messageId, message, publishTime, attempt: 1 });
    }
    return messageId;
  }

  /** Resolves once no delivery is queued, in flight or waiting to retry. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** Stops accepting messages; waits for deliveries in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const queue of this.queues.values()) queue.length = 0;
    await this.idle();
  }

  private enqueue(delivery: Delivery): void {
    const queue = this.queues.get(delivery.spec.name) ?? [];
    this.queues.set(delivery.spec.name, queue);
    queue.push(delivery);
    this.pump(delivery.spec.name);
  }

  private pump(name: string): void {
    const queue = this.queues.get(name) ?? [];
    const limit = this.options.maxInFlight ?? 4;
    while (queue.length > 0 && (this.active.get(name) ?? 0) < limit) {
      const delivery = queue.shift()!;
      this.active.set(name, (this.active.get(name) ?? 0) + 1);
      const task = this.deliver(delivery).finally(() => {
        this.active.set(name, (this.active.get(name) ?? 1) - 1);
        this.pending.delete(task);
        this.pump(name);
      });
      this.pending.add(task);
    }
  }

  private async deliver(delivery: Delivery): Promise<void> {
    const { spec, messageId, message, publishTime, attempt } = delivery;
    const body = pushBody(message, {
      messageId,
      publishTime,
      subscription: `projects/${this.options.projectId}/subscriptions/${spec.name}`,
      deliveryAttempt: attempt,
    });
    let status: number | string;
    try {
      const response = await fetch(
        `${this.options.baseUrl()}${pushPath(this.options.projectId, spec)}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(spec.ackDeadlineSeconds * 1000),
        },
      );
      await response.arrayBuffer();
      status = response.status;
      if (ACK_STATUSES.has(response.status)) return;
    } catch (error) {
      status =
        (error as Error).name === 'TimeoutError'
          ? 'ack deadline exceeded'
          : (error as Error).message;
    }
    if (this.closed) return;
    if (attempt >= spec.maxDeliveryAttempts) {
      this.deadLetter(delivery, status);
      return;
    }
    const backoff = Math.min(
      spec.maximumBackoffSeconds,
      spec.minimumBackoffSeconds * 2 ** (attempt - 1),
    );
    logger.warn(
      { subscription: spec.name, messageId, attempt, status, retryInSeconds: backoff },
      'push not acknowledged; will retry',
    );
    const retry = sleep(backoff * 1000 * (this.options.timeScale ?? 1)).then(() => {
      this.pending.delete(retry);
      if (!this.closed) this.enqueue({ ...delivery, attempt: attempt + 1 });
    });
    this.pending.add(retry);
  }

  private deadLetter(delivery: Delivery, status: number | string): void {
    const { spec, messageId, message, publishTime, attempt } = delivery;
    const attributes = {
      ...message.attributes,
      CloudPubSubDeadLetterSourceDeliveryCount: String(attempt),
      CloudPubSubDeadLetterSourceSubscription: spec.name,
      CloudPubSubDeadLetterSourceSubscriptionProject: this.options.projectId,
      CloudPubSubDeadLetterSourceTopicPublishTime: publishTime,
    };
    this.deadLettered.push({ subscription: spec.name, messageId, attributes });
    logger.error(
      {
        subscription: spec.name,
        messageId,
        attempts: attempt,
        status,
        deadLetterTopic: spec.deadLetterTopic,
      },
      'message forwarded to the dead-letter topic',
    );
    void this.publish(spec.deadLetterTopic, { data: message.data, attributes });
  }
}
