import { randomUUID } from 'node:crypto';
import { createEvent, type ManifestEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody } from '../../shared/events/message';

/** Where the benchmarks push deliveries to (any topic path reaches an event function). */
export const PUSH_PATH = '/projects/demo-manifest/topics/manifest-events';

/** A passenger-shaped person.created envelope, with a new subject each time. */
export function personCreated(): ManifestEvent {
  const uuid = randomUUID();
  return createEvent('person.created', {
    subject: uuid,
    actor: 'bench',
    data: {
      uuid,
      survived: true,
      passengerClass: 3,
      name: 'Mr. Cold Start',
      sex: 'male',
      age: 22,
      siblingsOrSpousesAboard: 0,
      parentsOrChildrenAboard: 0,
      fare: 7.25,
    },
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
