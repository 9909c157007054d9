import { randomUUID } from 'node:crypto';
import type { ManifestEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody } from '../../shared/events/message';

/** Where the benchmarks push deliveries to (any topic path reaches an event function). */
export const PUSH_PATH = '/projects/demo-manifest/topics/manifest-events';

/** A push delivery of `event`, as JSON, the way a push subscription sends it. */
export function pushDelivery(event: ManifestEvent): string {
  return JSON.stringify(
    pushBody(eventMessage(event, ''), {
      messageId: randomUUID(),
      subscription: 'projects/demo-manifest/subscriptions/bench',
    }),
  );
}
