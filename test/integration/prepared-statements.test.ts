import { randomUUID } from 'node:crypto';
import { runPrepared } from '../../shared/db/prepared';
import { consume } from '../../shared/events/consumer';
import { createEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody, type PubsubMessage } from '../../shared/events/message';
import { addPerson } from '../../shared/people/changes';
import { projectStatsRouter } from '../../shared/stats/consumer';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';

/** A person.created message as a push delivers it; class and sex cycle over `i`. */
function created(i: number): PubsubMessage {
  const uuid = randomUUID();
  const event = createEvent('person.created', {
    subject: uuid,
    actor: 'test',
    data: {
      uuid,
      survived: i % 2 === 0,
      passengerClass: ((i % 3) + 1) as 1 | 2 | 3,
      name: `Passenger ${i}`,
      sex: (['female', 'male', 'other'] as const)[i % 3]!,
      age: 20.5,
      siblingsOrSpousesAboard: 0,
      parentsOrChildrenAboard: 0,
      fare: 7.25,
    },
  });
  return pushBody(eventMessage(event, ''), { messageId: randomUUID(), subscription: 'test' })
    .message;
}

const passengers = async (db: ReturnType<typeof useTestDatabase>) =>
  Number((await db()('passenger_stats').sum('passengers as n'))[0]!.n);

describeEachDatabase('the consumer statement, prepared (db/prepared.ts)', (leg) => {
  describe('on one connection', () => {
    // One connection: what the test reads of pg_prepared_statements is the consumer's session.
    const db = useTestDatabase(leg, { DB_POOL_MAX: '1' });

    it('is prepared once under one name, and applies every event', async () => {
      for (let i = 0; i < 3; i++)
        expect(await consume(projectStatsRouter, created(i))).toBe('applied');
      const { rows } = await db().raw(
        `SELECT name FROM pg_prepared_statements WHERE statement LIKE '%new_delivery%'`,
      );
      expect(rows).toHaveLength(1);
      expect((rows as { name: string }[])[0]!.name).toMatch(/^m_[0-9a-f]{24}$/);
      expect(await passengers(db)).toBe(3);
    });
  });

  describe('on several pooled connections at once', () => {
    const db = useTestDatabase(leg, { DB_POOL_MAX: '5' });

    // PGlite serves every connection from one session, which refuses a second prepare of a
    // name: the statement must still apply, exactly once each, on every connection.
    it('applies every one of 20 concurrent deliveries exactly once', async () => {
      const messages = Array.from({ length: 20 }, (_, i) => created(i));
      const outcomes = await Promise.all(messages.map((m) => consume(projectStatsRouter, m)));
      expect(outcomes).toEqual(Array(20).fill('applied'));
      expect(await passengers(db)).toBe(20);
      expect(await db()('processed_event').count('* as n')).toEqual([{ n: '20' }]);
      // Redelivered: all duplicates, nothing changes.
      const again = await Promise.all(messages.map((m) => consume(projectStatsRouter, m)));
      expect(again).toEqual(Array(20).fill('duplicate'));
      expect(await passengers(db)).toBe(20);
    });
  });
});

describeEachDatabase('the person-and-outbox write, prepared (people/repository.ts)', (leg) => {
  const person = (i: number) => ({
    survived: true,
    passengerClass: 1 as const,
    name: `Passenger ${i}`,
    sex: 'female' as const,
    age: 29,
    siblingsOrSpousesAboard: 0,
    parentsOrChildrenAboard: 0,
    fare: 211.3375,
  });
  const counts = async (db: ReturnType<typeof useTestDatabase>) => [
    (await db()('person').count('* as n'))[0]!.n,
    (await db()('outbox').count('* as n'))[0]!.n,
  ];

  describe('on one connection', () => {
    const db = useTestDatabase(leg, { DB_POOL_MAX: '1' });

    it('is prepared once under one name, and writes each person with its outbox row', async () => {
      for (let i = 0; i < 3; i++) await addPerson(db(), person(i), { actor: 't', traceparent: '' });
      const { rows } = await db().raw(
        `SELECT name FROM pg_prepared_statements WHERE statement LIKE '%person_row%'`,
      );
      expect(rows).toHaveLength(1);
      expect((rows as { name: string }[])[0]!.name).toMatch(/^m_[0-9a-f]{24}$/);
      expect(await counts(db)).toEqual(['3', '3']);
    });
  });

  describe('on several pooled connections at once', () => {
    const db = useTestDatabase(leg, { DB_POOL_MAX: '5' });

    it('writes every one of 20 concurrent people with its outbox row', async () => {
      const written = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          addPerson(db(), person(i), { actor: 't', traceparent: '' }),
        ),
      );
      expect(new Set(written.map((p) => p.uuid)).size).toBe(20);
      expect(await counts(db)).toEqual(['20', '20']);
    });
  });
});

describeEachDatabase('runPrepared, outside a named statement (db/prepared.ts)', (leg) => {
  const db = useTestDatabase(leg, { DB_POOL_MAX: '2' });
  const insert = 'INSERT INTO processed_event (consumer, event_id) VALUES (?, ?)';
  const records = async () => (await db()('processed_event').count('* as n'))[0]!.n;

  // Inside a transaction the statement runs unnamed on the transaction's connection: a name
  // refused there (42P05, PGlite's shared session) would abort the whole transaction.
  it('runs unnamed on the transaction it is given, and a rollback undoes it', async () => {
    await db()
      .transaction(async (trx) => {
        await runPrepared(trx, insert, ['test', randomUUID()]);
        expect(await trx('processed_event').count('* as n')).toEqual([{ n: '1' }]);
        const { rows } = await trx.raw(
          `SELECT name FROM pg_prepared_statements WHERE statement LIKE '%INTO processed_event (consumer%'`,
        );
        expect(rows).toEqual([]);
        throw new Error('roll back');
      })
      .catch((error: Error) => expect(error.message).toBe('roll back'));
    expect(await records()).toBe('0');
  });

  it('refuses an undefined binding as knex does, writing nothing', async () => {
    await expect(runPrepared(db(), insert, ['test', undefined as never])).rejects.toThrow(
      /Undefined binding/,
    );
    expect(await records()).toBe('0');
  });
});
