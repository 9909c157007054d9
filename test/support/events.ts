import { randomUUID } from 'node:crypto';
import { publishesSettled } from '../../shared/events/fast-path';
import type { EventPublisher } from '../../shared/events/publisher';
import {
  pushBody as encodePushBody,
  type OutgoingMessage,
  type PushBody,
} from '../../shared/events/message';
import { request } from './http';

/** A published message as a test sees it. */
export interface Published {
  topic: string;
  messageId: string;
  message: OutgoingMessage;
  event: any;
}

/**
 * A publisher that records what it is given, and can be told to fail (the broker is down),
 * to be slow, or to hold every publish until released (the broker hangs).
 */
export class RecordingPublisher implements EventPublisher {
  readonly published: Published[] = [];
  failing = false;
  delayMs = 0;
  private held: Promise<void> | undefined;

  /** Holds every publish from now on until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.held = new Promise((done) => (release = done));
    return () => {
      this.held = undefined;
      release();
    };
  }

  async publish(topic: string, message: OutgoingMessage): Promise<string> {
    if (this.delayMs) await new Promise((done) => setTimeout(done, this.delayMs));
    if (this.held) await this.held;
    if (this.failing) throw new Error('broker unavailable (test)');
    const messageId = randomUUID();
    this.published.push({
      topic,
      messageId,
      message,
      event: JSON.parse(message.data.toString('utf8')),
    });
    return messageId;
  }

  /**
   * Waits until every publish started by a write has finished, also those its write stopped
   * waiting for after PUBLISH_TIMEOUT_MS (the others finished before the write answered).
   */
  async settled(): Promise<void> {
    await publishesSettled();
  }

  /** The events published to a topic, in order. */
  events(topic = 'manifest-events'): any[] {
    return this.published.filter((p) => p.topic === topic).map((p) => p.event);
  }
}

/** The push body Pub/Sub sends for a message, on the tests' subscription. */
export function pushBody(
  message: { data: Buffer | string; attributes?: Record<string, string> },
  messageId: string = randomUUID(),
): PushBody {
  return encodePushBody(message, {
    messageId,
    subscription: 'projects/demo-manifest/subscriptions/test',
  });
}

/** Pushes a message to an event function served by functions-framework, as Pub/Sub does. */
export function push(functionUrl: string, body: PushBody | unknown) {
  return request(`${functionUrl}/projects/demo-manifest/topics/manifest-events`, {
    method: 'POST',
    json: body,
  });
}
