import { randomUUID } from 'node:crypto';
import { createEvent, type ManifestEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody } from '../../shared/events/message';
import type { Person } from '../../shared/people/schema';
import { personData } from '../../test/support/http';

/** Where the benchmarks push deliveries to (any topic path reaches an event function). */
export const PUSH_PATH = '/projects/demo-manifest/topics/manifest-events';

/** A passenger-shaped person.created envelope, with a new subject each time. */
export function personCreated(): ManifestEvent {
  const uuid = randomUUID();
  return createEvent('person.created', {
    subject: uuid,
    actor: 'bench',
    // The tests' valid person, as the image build's warm-up sends (scripts/build.ts).
    data: { uuid, ...(personData() as Omit<Person, 'uuid'>) },
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
