import { describeEachDatabase, useTestDatabase, type DatabaseLeg } from '../support/database-legs';
import { deadLetter } from '../support/dead-letter-cli';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { personData, request } from '../support/http';
import { startChild, TSX } from '../support/processes';
import { tableSnapshot } from '../support/snapshot';
import { startLocalStack, type LocalStack } from '../support/stack';
import { until } from '../support/until';

/**
 * Dead-letter redrive, as on-call runs it: `npm start` with the real Pub/Sub emulator (which
 * creates the dead-letter topic's retained subscription), a consumer that fails, and
 * `npm run dead-letter` (its command function in-process; the process itself for exit codes).
 *
 * The faults are injected in the database, not in the code under test: a trigger on audit_log
 * reads a one-row table, and either refuses the event's data (SQLSTATE 22023: audit-log stores
 * it in dead_letter at once) or fails as an outage would (Pub/Sub redelivers it until its
 * last attempt, then forwards it to the dead-letter topic). Deleting the row fixes the cause.
 */
const emulatorSkip = emulatorUnavailable();
if (emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);

function redriveSuite(leg: DatabaseLeg) {
  const env: Record<string, string> = {};
  let emulator: Emulator;
  let stack: LocalStack;
  beforeAll(async () => {
    emulator = await startEmulator();
    env.PUBSUB_EMULATOR_HOST = emulator.host;
    env.GOOGLE_CLOUD_PROJECT = emulator.project;
  }, 120000);
  const db = useTestDatabase(leg, env);

  beforeAll(async () => {
    await db().raw(`CREATE TABLE audit_fault (mode text NOT NULL, message text NOT NULL)`);
    await db().raw(`
      CREATE FUNCTION audit_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE fault record;
      BEGIN
        SELECT * INTO fault FROM audit_fault LIMIT 1;
        IF fault.mode = 'refuse' THEN
          RAISE EXCEPTION '%', fault.message USING ERRCODE = '22023';
        ELSIF fault.mode = 'fail' THEN
          RAISE EXCEPTION '%', fault.message;
        END IF;
        RETURN NEW;
      END $$`);
    await db().raw(`CREATE TRIGGER audit_fault BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_fault()`);
    stack = await startLocalStack({
      DATABASE_URL: process.env.DATABASE_URL,
      PUBSUB_EMULATOR_HOST: emulator.host,
      GOOGLE_CLOUD_PROJECT: emulator.project,
      LOCAL_PUSH_HOST: process.env.TEST_PUSH_HOST,
      RELAY_INTERVAL_MS: '500',
      LOG_LEVEL: 'info',
    });
  }, 150000);

  afterAll(async () => {
    await stack?.stop();
    await emulator?.stop();
  }, 30000);

  const fault = async (mode: 'refuse' | 'fail' | 'none', message = '') => {
    await db()('audit_fault').delete();
    if (mode !== 'none') await db()('audit_fault').insert({ mode, message });
  };

  const listed = async () => JSON.parse((await deadLetter('list', '--json')).out);

  const addPerson = async (name: string) => {
    const res = await request(`${stack.base}/people`, {
      method: 'POST',
      json: personData({ name, sex: 'female', passengerClass: 1 }),
    });
    expect(res.status).toBe(201);
    const row = await db()('outbox').where({ subject: res.body.uuid }).first('event_id');
    return row.event_id as string;
  };
  /** How many lines of the stack's log carry this message. */
  const logged = (message: string) =>
    stack.child
      .output()
      .split('\n')
      .filter((line) => line.includes(`"message":"${message}"`)).length;

  let refusedId: string;
  let refusedEvent: string;
  let undeliveredId: string;
  let undeliveredEvent: string;

  it('lists and shows both kinds: refused by a consumer (the table), given up by Pub/Sub (the retained subscription)', async () => {
    await fault('refuse', 'audit_log refuses it (the first cause)');
    refusedEvent = await addPerson('Mrs. Refused');
    await until('audit-log to dead-letter the refused event', async () =>
      db()('dead_letter').where({ event_id: refusedEvent }).first(),
    );
    await fault('fail', 'audit_log is down');
    undeliveredEvent = await addPerson('Mrs. Undelivered');
    // The consumer fails every delivery; after its 10th attempt Pub/Sub forwards the message.
    const entries = await until(
      'Pub/Sub to dead-letter the undelivered event',
      async () => {
        const list = await listed();
        return list.some((e: { eventId: string }) => e.eventId === undeliveredEvent)
          ? list
          : undefined;
      },
      120000,
      1000,
    );
    await fault('none');

    expect(entries).toEqual([
      expect.objectContaining({
        kind: 'refused',
        consumer: 'audit-log',
        type: 'person.created',
        eventId: refusedEvent,
        reason:
          "the database refused the event's data: audit_log refuses it (the first cause) (SQLSTATE 22023)",
      }),
      expect.objectContaining({
        kind: 'undelivered',
        consumer: 'audit-log',
        type: 'person.created',
        eventId: undeliveredEvent,
        reason: expect.stringMatching(
          /^Pub\/Sub gave up after 10 failed deliveries from manifest-events--audit-log;/,
        ),
      }),
    ]);
    [refusedId, undeliveredId] = entries.map((e: { id: string }) => e.id);
    expect(refusedId).toMatch(/^db-\d+$/);
    expect(undeliveredId).toMatch(/^ps-\d+$/);

    const text = await deadLetter('list');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^ID +KIND +CONSUMER +TYPE/);
    expect(text.out).toContain('2 dead letter(s), 2 waiting');

    for (const [id, eventId] of [
      [refusedId, refusedEvent],
      [undeliveredId, undeliveredEvent],
    ]) {
      const shown = await deadLetter('show', id!, '--json');
      expect(shown.code).toBe(0);
      const detail = JSON.parse(shown.out);
      expect(detail).toMatchObject({
        id,
        eventId,
        complete: true,
        attributes: expect.objectContaining({ type: 'person.created', id: eventId }),
        data: expect.objectContaining({ id: eventId, type: 'person.created' }),
        replayable: { event: expect.objectContaining({ id: eventId }) },
      });
    }
  }, 180000);

  it('changes nothing on a dry run, and says what it would replay', async () => {
    const before = await tableSnapshot(db());
    const run = await deadLetter('replay', '--all', '--dry-run', '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual([
      expect.objectContaining({ id: refusedId, outcome: 'would replay', eventId: refusedEvent }),
      expect.objectContaining({
        id: undeliveredId,
        outcome: 'would replay',
        eventId: undeliveredEvent,
      }),
    ]);
    expect(await tableSnapshot(db())).toEqual(before);
    expect((await listed()).map((e: { id: string }) => e.id)).toEqual([refusedId, undeliveredId]);
  });

  it('refuses a bad argument with a clear message and exit code 2, changing nothing', async () => {
    const before = await tableSnapshot(db());
    const child = startChild(TSX, ['scripts/dead-letter.ts', 'replay', '--since', 'yesterday'], {
      DATABASE_URL: process.env.DATABASE_URL,
      ...env,
    });
    expect(await child.exited).toBe(2);
    expect(child.output()).toContain('--since must be a date (2026-12-01)');
    expect(child.output()).toContain('usage: npm run dead-letter');

    for (const [args, message] of [
      [['replay'], 'replay needs ids, or --all'],
      [['replay', 'db-1', '--all'], 'replay takes ids, or --all and filters, not both'],
      [['show', '42'], 'not a dead-letter id: "42"'],
      [['requeue', '--all'], 'unknown command "requeue"'],
      [['replay', refusedId, 'db-999999'], 'no such dead letter: db-999999'],
    ] as const) {
      const run = await deadLetter(...args);
      expect({ args, code: run.code }).toEqual({ args, code: 2 });
      expect(run.err).toContain(message);
    }
    expect(await tableSnapshot(db())).toEqual(before);
    expect((await listed()).map((e: { id: string }) => e.id)).toEqual([refusedId, undeliveredId]);
  });

  it('replays both after the cause is fixed: through the outbox, applied once, by the consumer that failed only', async () => {
    // project-stats applied both events. Were a replay to reach it, it would apply them again:
    // forget its records of them, so that only the replay's target keeps the counts right.
    await db()('processed_event')
      .where({ consumer: 'project-stats' })
      .whereIn('event_id', [refusedEvent, undeliveredEvent])
      .delete();
    const ignoredBefore = logged('a replay for another consumer; acknowledged unapplied');

    const run = await deadLetter(
      'replay',
      refusedId,
      undeliveredId,
      '--by',
      'on-call@test',
      '--json',
    );
    expect(run.code).toBe(0);
    const outcomes = JSON.parse(run.out);
    expect(outcomes).toEqual([
      expect.objectContaining({ id: refusedId, outcome: 'published', consumer: 'audit-log' }),
      expect.objectContaining({ id: undeliveredId, outcome: 'published', consumer: 'audit-log' }),
    ]);

    await until('audit_log to hold both events', async () => {
      const rows = await db()('audit_log').whereIn('event_id', [refusedEvent, undeliveredEvent]);
      return rows.length === 2 ? rows : undefined;
    });
    await until('project-stats to acknowledge both replays unapplied', async () =>
      logged('a replay for another consumer; acknowledged unapplied') - ignoredBefore === 2
        ? true
        : undefined,
    );
    expect(
      await db()('passenger_stats')
        .where({ passenger_class: 1, sex: 'female' })
        .sum('passengers as passengers'),
    ).toEqual([{ passengers: '2' }]);

    // Marked: how, when, by whom, and the outbox row of the replay, which names its target.
    const rows = await db()('dead_letter')
      .whereIn('event_id', [refusedEvent, undeliveredEvent])
      .orderBy('id')
      .select('source', 'event_id', 'resolution', 'resolved_by', 'resolved_at', 'replay_outbox_id');
    expect(rows).toEqual([
      expect.objectContaining({ source: 'consumer', event_id: refusedEvent }),
      expect.objectContaining({ source: 'pubsub', event_id: undeliveredEvent }),
    ]);
    for (const [i, row] of rows.entries()) {
      expect(row).toMatchObject({ resolution: 'replayed', resolved_by: 'on-call@test' });
      expect(row.resolved_at).toBeInstanceOf(Date);
      const replay = await db()('outbox').where({ id: row.replay_outbox_id }).first();
      expect(replay).toMatchObject({
        event_id: row.event_id,
        redrive_of: outcomes[i].id,
        redrive_consumer: 'audit-log',
      });
      expect(replay.sent_at).toBeInstanceOf(Date);
    }
    // Nothing waits any more, in the table or in the retained subscription.
    expect(await listed()).toEqual([]);
    expect((await deadLetter('replay', refusedId, '--json')).out).toContain('already resolved');
  }, 120000);

  it('returns an event that fails again to the dead letters, with its new reason', async () => {
    await fault('refuse', 'audit_log refuses it (the first cause)');
    const eventId = await addPerson('Mrs. Refused Twice');
    const first: { id: number } = await until('audit-log to dead-letter the event', async () =>
      db()('dead_letter').where({ event_id: eventId }).first('id'),
    );
    await fault('refuse', 'audit_log still refuses it (a second cause)');

    const run = await deadLetter('replay', `db-${first.id}`, '--json');
    expect(run.code).toBe(0);
    const again = await until('the replay to be dead-lettered again', async () =>
      db()('dead_letter').where({ event_id: eventId }).whereNot({ id: first.id }).first(),
    );
    await fault('none');
    expect(again).toMatchObject({
      consumer: 'audit-log',
      reason:
        "the database refused the event's data: audit_log still refuses it (a second cause) (SQLSTATE 22023)",
      resolution: null,
      attributes: expect.objectContaining({
        redrive_of: `db-${first.id}`,
        redrive_consumer: 'audit-log',
      }),
    });
    expect(await db()('dead_letter').where({ id: first.id }).first('resolution')).toEqual({
      resolution: 'replayed',
    });
    expect((await listed()).map((e: { id: string }) => e.id)).toEqual([`db-${again.id}`]);

    // Fixed: the new entry replays, and the event is applied.
    expect((await deadLetter('replay', '--all', '--consumer', 'audit-log')).code).toBe(0);
    await until('audit_log to hold the event', async () =>
      db()('audit_log').where({ event_id: eventId }).first(),
    );
  }, 120000);

  it('replays harmlessly an event the consumer has applied since', async () => {
    // A dead letter of an event audit-log has applied (its replay above): a copy of its row.
    const applied = await db()('dead_letter').where({ event_id: refusedEvent }).first();
    const [{ id }] = await db()('dead_letter')
      .insert({
        consumer: applied.consumer,
        message_id: 'copy',
        event_id: applied.event_id,
        reason: applied.reason,
        attributes: JSON.stringify(applied.attributes),
        data: applied.data,
        data_bytes: applied.data_bytes,
      })
      .returning('id');
    const duplicatesBefore = logged('duplicate delivery; already applied');
    expect((await deadLetter('replay', `db-${id}`)).code).toBe(0);
    await until('audit-log to recognise the replay as a duplicate', async () =>
      logged('duplicate delivery; already applied') > duplicatesBefore ? true : undefined,
    );
    const counted = await db()('audit_log').where({ event_id: refusedEvent }).count('* as n');
    expect(Number(counted[0]!.n)).toBe(1);
  }, 60000);
}

describeEachDatabase('dead-letter redrive', (leg) => {
  if (emulatorSkip)
    describe.skip(`with the Pub/Sub emulator [SKIPPED: ${emulatorSkip}]`, () => redriveSuite(leg));
  else describe('with the Pub/Sub emulator', () => redriveSuite(leg));
});
