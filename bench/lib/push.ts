import { randomUUID } from 'node:crypto';
import { createEvent, type ManifestEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody } from '../../shared/events/message';
import { SAMPLE_PERSON } from '../../shared/people/sample';

/** Where the benchmarks push deliveries to (any topic path reaches an event function). */
export const PUSH_PATH = '/projects/demo-manifest/topics/manifest-events';

/** A passenger-shaped person.created envelope, with a new subject each time. */
export function personCreated(): ManifestEvent {
  const uuid = randomUUID();
  return createEvent('person.created', {
    subject: uuid,
    actor: 'bench',
    // The sample person the tests send, as the image build's warm-up does (scripts/build.ts).
    data: { uuid, ...SAMPLE_PERSON },
  });
}

/** A push delivery of `event`, as JSON, the way a push subscription sends it. */
export function pushDelivery(event: ManifestEvent): string {
  return JSON.stringify(
    pushBody(eventMessage(event, ''), {
      messageId: randomUUID(),
      subscription: 'projects/demo-manifest/subscriptions/bench',
    }),
  );
}
