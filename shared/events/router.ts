import type { Knex } from 'knex';
import type { ManifestEvent } from './envelope';
import { assertPattern, matchesPattern } from './pattern';

/** The delivery an event came in. */
export interface Delivery {
  messageId: string;
  traceId?: string;
}

/** What a handler gets besides the event: the consumer's transaction and the delivery. */
export interface HandlerContext extends Delivery {
  /** Everything the handler writes goes through this, with the idempotency record. */
  trx: Knex.Transaction;
}

/** Applies an event with any number of statements inside the consumer's transaction. */
export type EventHandler = (event: ManifestEvent, context: HandlerContext) => Promise<void>;

/** One SQL statement with positional `?` bindings. */
export interface Statement {
  sql: string;
  bindings: readonly Knex.RawBinding[];
}

/**
 * Applies an event with exactly one data-modifying statement, which must apply only
 * `WHERE EXISTS (SELECT 1 FROM new_delivery)`. When it is the only route for an event, the
 * consumer runs it together with the idempotency record as one statement: one round trip
 * instead of four (BEGIN, record, effect, COMMIT), and still all or nothing.
 */
export type EventProjection = (event: ManifestEvent, delivery: Delivery) => Statement;

/** A registered route: a pattern and either kind of handler. */
export type Route = { pattern: string } & (
  | { handler: EventHandler; projection?: undefined }
  | { projection: EventProjection; handler?: undefined }
);

/**
 * Handlers keyed by routing pattern (topic-exchange semantics, see pattern.ts). Every route
 * whose pattern matches an event's type runs, in registration order. The patterns also give
 * the consumer's subscription filter (filter.ts), so routing and delivery cannot disagree.
 */
export class EventRouter {
  private readonly routes: Route[] = [];

  /** @param consumer the consumer's name: its function and subscription are named after it */
  constructor(readonly consumer: string) {}

  /** Registers a handler for the event types matching `pattern`. */
  on(pattern: string, handler: EventHandler): this {
    assertPattern(pattern);
    this.routes.push({ pattern, handler });
    return this;
  }

  /** Registers a one-statement projection for the event types matching `pattern`. */
  project(pattern: string, projection: EventProjection): this {
    assertPattern(pattern);
    this.routes.push({ pattern, projection });
    return this;
  }

  /** The patterns registered, in order, without repeats. */
  get patterns(): string[] {
    return [...new Set(this.routes.map((r) => r.pattern))];
  }

  /** The routes for an event type, in registration order. */
  routesFor(type: string): Route[] {
    return this.routes.filter((r) => matchesPattern(r.pattern, type));
  }
}
