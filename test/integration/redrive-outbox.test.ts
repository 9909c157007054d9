import { randomUUID } from 'node:crypto';
import { auditLogRouter } from '../../shared/audit/consumer';
import { createEvent } from '../../shared/events/envelope';
import { eventMessage } from '../../shared/events/message';
import { relayOutbox } from '../../shared/events/outbox';
import { usePublisher } from '../../shared/events/publisher';
import {
  listDeadLetters,
  replayDeadLetter,
  showDeadLetter,
  UnknownDeadLetterError,
} from '../../shared/events/redrive';
import { deadLetter as run } from '../support/dead-letter-cli';
import { projectStatsRouter } from '../../shared/stats/consumer';
import { consume } from '../../shared/events/consumer';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { pushBody, RecordingPublisher } from '../support/events';
import { personData } from '../support/http';
import { tableSnapshot } from '../support/snapshot';

/**
 * The redrive module as the local console calls it (plain functions over a knex handle, no
 * Pub/Sub): a replay written to the outbox without a publisher is published by the relay, with
 * the attributes that aim it at the consumer that failed; the other consumers acknowledge it
 * unapplied.
 */
describeEachDatabase('redrive without Pub/Sub (the local console, the CLI on the table)', (leg) => {
  const db = useTestDatabase(leg, { OUTBOX_FAST_PATH_MS: '0' });
  const broker = new RecordingPublisher();
  beforeAll(() => {
    usePublisher(broker);
  });

  it('is published by the relay with redrive_of and redrive_consumer, and only its target applies it', async () => {
    const uuid = randomUUID();
    const event = createEvent('person.created', {
      subject: uuid,
      actor: 'test',
      data: { uuid, ...personData() } as never,
    });
    const message = eventMessage(event, '');
    const [{ id }] = await db()('dead_letter')
      .insert({
        consumer: 'project-stats',
        message_id: 'm-1',
        event_id: event.id,
        reason: 'refused (test)',
        attributes: JSON.stringify(message.attributes),
        data: message.data.toString('base64'),
        data_bytes: message.data.toString('base64').length,
      })
      .returning('id');
    const sources = { db: db() };
    expect((await listDeadLetters(sources)).map((e) => e.id)).toEqual([`db-${id}`]);
    expect((await showDeadLetter(sources, `db-${id}`)).replayable).toEqual({ event });
    await expect(showDeadLetter(sources, 'db-0')).rejects.toThrow(UnknownDeadLetterError);

    const outcome = await replayDeadLetter(sources, `db-${id}`, { by: 'console' });
    expect(outcome).toMatchObject({ id: `db-${id}`, outcome: 'replayed', eventId: event.id });
    expect(broker.published).toEqual([]);

    expect(await relayOutbox(db())).toEqual({ published: 1, failed: 0 });
    expect(broker.published.map((p) => p.message.attributes)).toEqual([
      {
        type: 'person.created',
        id: event.id,
        traceparent: '',
        redrive_of: `db-${id}`,
        redrive_consumer: 'project-stats',
      },
    ]);
    const replayed = pushBody(broker.published[0]!.message).message;
    expect(await consume(auditLogRouter, replayed)).toBe('ignored');
    expect(await consume(projectStatsRouter, replayed)).toBe('applied');
    expect(await db()('audit_log').where({ event_id: event.id })).toEqual([]);
    expect(await listDeadLetters(sources)).toEqual([]);
  });

  it('discards with the CLI, marking when and by whom, after a dry run that changes nothing; without Pub/Sub it reads the table only, and says so', async () => {
    const [{ id }] = await db()('dead_letter')
      .insert({ consumer: 'relay-outbox', reason: 'a tick no one needs (test)' })
      .returning('id');
    const before = await tableSnapshot(db());
    const dry = await run('discard', `db-${id}`, '--dry-run');
    expect(dry).toMatchObject({ code: 0, out: expect.stringContaining(`db-${id} would discard`) });
    expect(dry.err).toContain('only the dead_letter table is read');
    expect(await tableSnapshot(db())).toEqual(before);

    const done = await run('discard', `db-${id}`, '--by', 'on-call@test');
    expect(done.code).toBe(0);
    expect(done.out).toContain(`db-${id} discarded`);
    const row = await db()('dead_letter').where({ id }).first();
    expect(row).toMatchObject({
      resolution: 'discarded',
      resolved_by: 'on-call@test',
      replay_outbox_id: null,
    });
    expect(row.resolved_at).toBeInstanceOf(Date);
    expect(
      await db()('outbox')
        .whereNotNull('redrive_of')
        .where({ redrive_of: `db-${id}` }),
    ).toEqual([]);
    expect((await run('list')).out).toBe('no dead letters');
    expect((await run('list', '--resolved', '--json')).out).toContain('"how": "discarded"');
  });
});
