import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { IDLE_BACKLOG_LINE_MS, logOutboxBacklog, outboxBacklog } from '../../shared/events/backlog';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { capturedLogs, clearCapturedLogs } from '../support/logs';

/** An outbox row written `ageSeconds` before the transaction's now(); sent or still pending. */
async function outboxRowAged(trx: Knex.Transaction, ageSeconds: number, sent: boolean) {
  const age = trx.raw(`now() - make_interval(secs => ?)`, [ageSeconds]);
  await trx('outbox').insert({
    event_id: randomUUID(),
    type: 'person.created',
    subject: randomUUID(),
    payload: JSON.stringify({}),
    created_at: age,
    sent_at: sent ? age : null,
  });
}

describeEachDatabase("the outbox's backlog", (leg) => {
  const db = useTestDatabase(leg);

  beforeEach(async () => {
    await db()('outbox').delete();
  });

  it('is no rows and no age when nothing is pending', async () => {
    await db().transaction(async (trx) => {
      await outboxRowAged(trx, 900, true);
      expect(await outboxBacklog(trx)).toEqual({ pending: 0, oldestPendingSeconds: 0 });
    });
  });

  it('counts the unpublished rows and ages the oldest in whole seconds, ignoring sent rows', async () => {
    // now() is the transaction's start: the ages written and read are on one clock.
    await db().transaction(async (trx) => {
      await outboxRowAged(trx, 5000, true);
      await outboxRowAged(trx, 754.6, false);
      await outboxRowAged(trx, 30, false);
      await outboxRowAged(trx, 0, false);
      expect(await outboxBacklog(trx)).toEqual({ pending: 3, oldestPendingSeconds: 754 });
    });
  });

  it('is logged as one INFO line with the count and the age as fields', () => {
    clearCapturedLogs();
    expect(logOutboxBacklog({ pending: 3, oldestPendingSeconds: 754 })).toBe(true);
    expect(capturedLogs()).toEqual([
      expect.objectContaining({
        severity: 'INFO',
        message: 'outbox backlog',
        pending: 3,
        oldestPendingSeconds: 754,
      }),
    ]);
  });

  it('is logged while rows are pending and when the count changes, and once per idle period', () => {
    // A clock of its own, far past any line logged so far in this process.
    const t0 = Date.now() + 10 * IDLE_BACKLOG_LINE_MS;
    const empty = { pending: 0, oldestPendingSeconds: 0 };
    const logged = [
      logOutboxBacklog({ pending: 2, oldestPendingSeconds: 5 }, t0),
      logOutboxBacklog({ pending: 2, oldestPendingSeconds: 7 }, t0 + 2_000),
      logOutboxBacklog(empty, t0 + 4_000),
      logOutboxBacklog(empty, t0 + 6_000),
      logOutboxBacklog(empty, t0 + 4_000 + IDLE_BACKLOG_LINE_MS - 1),
      logOutboxBacklog(empty, t0 + 4_000 + IDLE_BACKLOG_LINE_MS),
      logOutboxBacklog(empty, t0 + 4_000 + IDLE_BACKLOG_LINE_MS + 60_000),
    ];
    expect(logged).toEqual([true, true, true, false, false, true, true]);
  });
});
