import { randomUUID } from 'node:crypto';
import { HEALTH_SQL } from '../../shared/health/check';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { request } from '../support/http';

/**
 * `/health` tells the truth: ok, degraded (outbox rows pending past HEALTH_OUTBOX_MAX_AGE_SECONDS,
 * dead letters waiting) with the counts, 200 for liveness unless `?strict=true`; and it stays
 * one query over partial indexes.
 */
describeEachDatabase('the health function', (leg) => {
  const db = useTestDatabase(leg, { HEALTH_OUTBOX_MAX_AGE_SECONDS: '60' });
  const health = useFunction('health');

  beforeEach(async () => {
    await db()('outbox').delete();
    await db()('dead_letter').delete();
  });

  /** An outbox row created `ageSeconds` ago, pending or sent. */
  const outboxRow = (ageSeconds: number, sent = false) =>
    db()('outbox').insert({
      event_id: randomUUID(),
      type: 'person.created',
      subject: randomUUID(),
      payload: '{}',
      created_at: db().raw(`now() - make_interval(secs => ?)`, [ageSeconds]),
      sent_at: sent ? db().fn.now() : null,
    });

  /**
   * The age, in whole seconds, of a row written `seconds` old a moment before: the health
   * function reads its own clock later, a second or more later on a busy machine.
   */
  const ageOf = (seconds: number) => ({
    asymmetricMatch: (n: unknown) =>
      Number.isInteger(n) && (n as number) >= seconds && (n as number) < seconds + 30,
    toString: () => `an age of ${seconds} s or a little more`,
  });

  const get = async (query = '') => {
    const res = await request(`${health()}/health${query}`);
    return { status: res.status, body: res.body };
  };

  it('is ok with the counts when nothing is late and no dead letter waits', async () => {
    await outboxRow(3600, true);
    await outboxRow(10);
    await db()('dead_letter').insert({
      consumer: 'audit-log',
      reason: 'old',
      resolution: 'replayed',
      resolved_at: db().fn.now(),
      resolved_by: 'test',
    });
    const expected = {
      status: 'ok',
      checks: {
        database: 'ok',
        migrations: 'current',
        outbox: { pending: 1, oldestPendingSeconds: ageOf(10), maxAgeSeconds: 60 },
        deadLetters: { waiting: 0 },
      },
    };
    expect(await get()).toEqual({ status: 200, body: expected });
    expect(await get('?strict=true')).toEqual({ status: 200, body: expected });
    const res = await request(`${health()}/health`);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
  });

  it('is degraded by an outbox row pending past its window: 200, or 503 when strict', async () => {
    await outboxRow(61);
    await outboxRow(5);
    const live = await get();
    expect(live.status).toBe(200);
    expect(live.body.status).toBe('degraded');
    expect(live.body.checks.outbox).toEqual({
      pending: 2,
      oldestPendingSeconds: ageOf(61),
      maxAgeSeconds: 60,
    });
    expect(live.body.problems).toEqual([
      `2 outbox row(s) pending, the oldest for ${live.body.checks.outbox.oldestPendingSeconds} s (over 60 s): events are not being published; see relay-outbox's warnings.`,
    ]);
    const strict = await get('?strict=true');
    expect(strict.status).toBe(503);
    expect(strict.body).toMatchObject({ status: 'degraded', checks: { outbox: { pending: 2 } } });
    expect((await get('?strict=false')).status).toBe(200);
  });

  it('is degraded by a dead letter waiting, and ok again once it is resolved', async () => {
    const [{ id }] = await db()('dead_letter')
      .insert({ consumer: 'audit-log', reason: 'refused' })
      .returning('id');
    const strict = await get('?strict=true');
    expect(strict.status).toBe(503);
    expect(strict.body.status).toBe('degraded');
    expect(strict.body.checks.deadLetters).toEqual({ waiting: 1 });
    expect(strict.body.problems).toEqual([
      '1 dead letter(s) wait in dead_letter: a consumer could not apply them; npm run dead-letter -- list.',
    ]);
    await db()('dead_letter')
      .where({ id })
      .update({ resolution: 'discarded', resolved_at: db().fn.now(), resolved_by: 'test' });
    expect((await get('?strict=true')).body.status).toBe('ok');
  });

  it('answers 400 naming the parameter for a strict that is not true or false', async () => {
    const res = await get('?strict=yes');
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'strict' })]);
  });

  it('reads only what waits: the outbox and dead_letter through their partial indexes', async () => {
    await db().raw(`INSERT INTO outbox (event_id, type, subject, payload, sent_at)
      SELECT gen_random_uuid(), 'person.created', gen_random_uuid(), '{}', now()
      FROM generate_series(1, 5000)`);
    await db().raw(`INSERT INTO dead_letter (consumer, reason, resolution, resolved_at, resolved_by)
      SELECT 'audit-log', 'r', 'replayed', now(), 'test' FROM generate_series(1, 5000)`);
    await db().raw('ANALYZE outbox, dead_letter');
    const { rows } = await db().raw(`EXPLAIN ${HEALTH_SQL}`);
    const plan = rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n');
    expect(plan).toMatch(/using outbox_pending on outbox/);
    expect(plan).toMatch(/using dead_letter_unresolved on dead_letter/);
    expect(plan).not.toMatch(/Seq Scan/);
  });
});
