import type { Knex } from 'knex';
import type { ManifestEvent } from './envelope';
import { assertPattern, matchesPattern } from './pattern';

/** What a handler gets besides the event: the consumer's transaction and the delivery. */
export interface HandlerContext {
  /** Everything the handler writes goes through this, with the idempotency record. */
  trx: Knex.Transaction;
  messageId: string;
  traceId?: string;
}

export type EventHandler = (event: ManifestEvent, context: HandlerContext) => Promise<void>;

/**
 * Handlers keyed by routing pattern (topic-exchange semantics, see pattern.ts). Every handler
 * whose pattern matches an event's type runs, in registration order. The patterns also give
 * the consumer's subscription filter (filter.ts), so routing and delivery cannot disagree.
 */
export class EventRouter {
  private readonly routes: { pattern: string; handler: EventHandler }[] = [];

  /** @param consumer the consumer's name: its function and subscription are named after it */
  constructor(readonly consumer: string) {}

  /** Registers a handler for the event types matching `pattern`. */
  on(pattern: string, handler: EventHandler): this {
    assertPattern(pattern);
    this.routes.push({ pattern, handler });
    return this;
  }

  /** The patterns registered, in order, without repeats. */
  get patterns(): string[] {
    return [...new Set(this.routes.map((r) => r.pattern))];
  }

  /** The handlers for an event type, in registration order. */
  handlersFor(type: string): EventHandler[] {
    return this.routes.filter((r) => matchesPattern(r.pattern, type)).map((r) => r.handler);
  }
}
