import type { Knex } from 'knex';
import type { EventOf } from '../events/envelope';
import type { Person } from '../people/schema';

/**
 * The passenger_stats read model: per passenger class and sex, how many passengers, how many
 * survived, and the sums of ages and fares (exact numerics). Person events adjust it by
 * deltas; `people.imported` recomputes it from the person table.
 *
 * Deltas commute (created adds, deleted subtracts the state before, updated does both), so
 * events applied in any order give the same result; idempotency comes from processed_event.
 */

type Sign = 1 | -1;

/** Adds (sign 1) or removes (sign -1) one person's contribution. */
async function adjust(trx: Knex.Transaction, person: Person, sign: Sign): Promise<void> {
  await trx.raw(
    `INSERT INTO passenger_stats AS s (passenger_class, sex, passengers, survivors, age_sum, fare_sum)
     VALUES (?, ?, ?, ?, ?::numeric, ?::numeric)
     ON CONFLICT (passenger_class, sex) DO UPDATE SET
       passengers = s.passengers + EXCLUDED.passengers,
       survivors = s.survivors + EXCLUDED.survivors,
       age_sum = s.age_sum + EXCLUDED.age_sum,
       fare_sum = s.fare_sum + EXCLUDED.fare_sum,
       updated_at = now()`,
    [
      person.passengerClass,
      person.sex,
      sign,
      person.survived ? sign : 0,
      signed(person.age, sign),
      signed(person.fare, sign),
    ],
  );
}

// String(0.42) is "0.42": the decimal the client sent, so numeric sums stay exact.
const signed = (value: number, sign: Sign) => (sign === 1 ? String(value) : `-${String(value)}`);

export async function applyCreated(
  trx: Knex.Transaction,
  event: EventOf<'person.created'>,
): Promise<void> {
  await adjust(trx, event.data, 1);
}

export async function applyUpdated(
  trx: Knex.Transaction,
  event: EventOf<'person.updated'>,
): Promise<void> {
  await adjust(trx, event.previous, -1);
  await adjust(trx, event.data, 1);
}

export async function applyDeleted(
  trx: Knex.Transaction,
  event: EventOf<'person.deleted'>,
): Promise<void> {
  await adjust(trx, event.previous, -1);
}

/**
 * Rebuilds the read model from the person table, consistently with the deltas still to come.
 * Holding SHARE on `person` waits out every transaction writing people and keeps new ones from
 * committing, so the set of committed changes is fixed while we work: each of their events is
 * in the outbox (same transaction), and is marked processed here, so its later delivery
 * changes nothing; any change after us arrives as an event not yet marked, and applies.
 * Events are marked before the read model is touched, so a concurrent delta never holds a
 * passenger_stats row this transaction waits for while waiting for us (no deadlock).
 */
export async function recompute(trx: Knex.Transaction, consumer: string): Promise<void> {
  await trx.raw('LOCK TABLE person IN SHARE MODE');
  await trx.raw(
    `INSERT INTO processed_event (consumer, event_id)
     SELECT ?, event_id FROM outbox ON CONFLICT DO NOTHING`,
    [consumer],
  );
  await trx('passenger_stats').delete();
  await trx.raw(
    `INSERT INTO passenger_stats (passenger_class, sex, passengers, survivors, age_sum, fare_sum)
     SELECT passenger_class, sex, count(*), count(*) FILTER (WHERE survived), sum(age), sum(fare)
     FROM person GROUP BY passenger_class, sex`,
  );
}
