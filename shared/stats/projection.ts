import type { Knex } from 'knex';
import type { ManifestEvent } from '../events/envelope';
import type { Person } from '../people/schema';
import type { Statement } from '../events/router';

/**
 * The passenger_stats read model: per passenger class and sex, how many passengers, how many
 * survived, and the sums of ages and fares (exact numerics), kept in shards summed on read. Person events adjust it by
 * deltas; `people.imported` recomputes it from the person table.
 *
 * Deltas commute (created adds, deleted subtracts the state before, updated does both), so
 * events applied in any order give the same result; idempotency comes from processed_event.
 */

type Sign = 1 | -1;
type Delta = { person: Person; sign: Sign };

/** The statement's text for `groups` deltas, built once per count: one text, one prepared name. */
const sqlByGroups = new Map<number, string>();
function adjustSql(groups: number): string {
  let sql = sqlByGroups.get(groups);
  if (sql === undefined) {
    const values = Array.from(
      { length: groups },
      () => '(?::smallint, ?::text, ?::bigint, ?::bigint, ?::numeric, ?::numeric)',
    ).join(', ');
    sql = `INSERT INTO passenger_stats AS s (passenger_class, sex, shard, passengers, survivors, age_sum, fare_sum)
     SELECT d.passenger_class, d.sex, ?::smallint, sum(d.passengers), sum(d.survivors), sum(d.age_sum), sum(d.fare_sum)
     FROM (VALUES ${values}) AS d (passenger_class, sex, passengers, survivors, age_sum, fare_sum)
     WHERE EXISTS (SELECT 1 FROM new_delivery)
     GROUP BY d.passenger_class, d.sex
     ON CONFLICT (passenger_class, sex, shard) DO UPDATE SET
       passengers = s.passengers + EXCLUDED.passengers,
       survivors = s.survivors + EXCLUDED.survivors,
       age_sum = s.age_sum + EXCLUDED.age_sum,
       fare_sum = s.fare_sum + EXCLUDED.fare_sum,
       updated_at = now()`;
    sqlByGroups.set(groups, sql);
  }
  return sql;
}

/**
 * The statement that adds (sign 1) or removes (sign -1) people's contributions, summed per
 * passenger class and sex first (an update that keeps both touches one row, and ON CONFLICT
 * may change a row only once per statement), into the event's shard. It applies only for a new
 * delivery (router.ts).
 */
function adjust(event: ManifestEvent, deltas: Delta[]): Statement {
  return {
    sql: adjustSql(deltas.length),
    bindings: [
      shardOf(event.id),
      ...deltas.flatMap(({ person, sign }) => [
        person.passengerClass,
        person.sex,
        sign,
        person.survived ? sign : 0,
        signed(person.age, sign),
        signed(person.fare, sign),
      ]),
    ],
  };
}

/**
 * Rows per class and sex (migrations/20261201170000_passenger_stats_shards.ts): concurrent
 * events for one group update different rows, instead of each waiting for the one before
 * to commit. The shard is the event id's last hex digit (random in a v4 uuid); a redelivery
 * has the same id, and processed_event keeps it from applying twice anyway.
 */
export const STATS_SHARDS = 16;
const shardOf = (eventId: string) => parseInt(eventId.slice(-1), 16) % STATS_SHARDS;

// String(0.42) is "0.42": the decimal the client sent, so numeric sums stay exact.
const signed = (value: number, sign: Sign) => (sign === 1 ? String(value) : `-${String(value)}`);

/** A person event's effect on the read model: created adds, deleted removes, updated does both. */
export function personDelta(event: ManifestEvent): Statement {
  switch (event.type) {
    case 'person.created':
      return adjust(event, [{ person: event.data, sign: 1 }]);
    case 'person.updated':
      return adjust(event, [
        { person: event.previous, sign: -1 },
        { person: event.data, sign: 1 },
      ]);
    case 'person.deleted':
      return adjust(event, [{ person: event.previous, sign: -1 }]);
    default:
      throw new Error(`passenger_stats has no delta for ${event.type}`);
  }
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
