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
import { projectStatsRouter } from '../../shared/stats/consumer';
import { consume } from '../../shared/events/consumer';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { pushBody, RecordingPublisher } from '../support/events';
import { personData } from '../support/http';

/**
 * The redrive module as the local console calls it (plain functions over a knex handle, no
 * Pub/Sub): a replay written to the outbox without a publisher is published by the relay, with
 * the attributes that aim it at the consumer that failed; the other consumers acknowledge it
 * unapplied.
 */
describeEachDatabase('a replay left to the outbox relay', (leg) => {
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
});
