import type { Knex } from 'knex';
import { config } from '../config';
import { runPrepared } from '../db/prepared';
import type { ManifestEvent } from './envelope';
import type { Statement } from './router';

/**
 * The consumers' idempotency records, `processed_event`: one row per (consumer, event id),
 * written atomically with the event's effect, so a redelivered event is recognised and
 * acknowledged with no effect. consumer.ts writes them; the relay prunes them (a module of its
 * own, so the relay's bundle does not carry the consumer's validation).
 */

/**
 * The idempotency record and a projection's effect as one statement (atomic on its own): the
 * record's INSERT is the `new_delivery` CTE, empty when the event was processed before, and
 * the projection applies only when it is not. A named statement: planning it was most of its
 * cost (db/prepared.ts).
 * @returns whether the event was applied (false: a duplicate)
 */
export async function applyInOneStatement(
  db: Knex,
  consumer: string,
  event: ManifestEvent,
  effect: Statement,
): Promise<boolean> {
  const { rows } = await runPrepared<{ rows: { applied: number }[] }>(db, withRecord(effect.sql), [
    consumer,
    event.id,
    ...effect.bindings,
  ]);
  return rows[0]!.applied > 0;
}

/** The record's CTE around a projection's text, made once per text (one text, one statement name). */
const recorded = new Map<string, string>();
function withRecord(effect: string): string {
  let sql = recorded.get(effect);
  if (sql === undefined) {
    sql = `WITH new_delivery AS (
       INSERT INTO processed_event (consumer, event_id) VALUES (?, ?)
       ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id
     ), effect AS (${effect})
     SELECT count(*)::int AS applied FROM new_delivery`;
    // Bounded like the statement names (db/prepared.ts): texts past that are not kept.
    if (recorded.size < 64) recorded.set(effect, sql);
  }
  return sql;
}

/** Inserts the idempotency record; false when this consumer already processed the event. */
export async function recordProcessed(
  trx: Knex.Transaction,
  consumer: string,
  event: ManifestEvent,
): Promise<boolean> {
  const inserted = await trx('processed_event')
    .insert({ consumer, event_id: event.id })
    .onConflict(['consumer', 'event_id'])
    .ignore()
    .returning('event_id');
  return inserted.length > 0;
}

/**
 * Deletes the idempotency records older than OUTBOX_RETENTION_HOURS, which is longer than
 * Pub/Sub keeps a message (7 days): no redelivery of their event can still come. The relay
 * runs it on each tick.
 * @returns how many records were deleted
 */
export async function pruneProcessedEvents(db: Knex): Promise<number> {
  const hours = config().OUTBOX_RETENTION_HOURS;
  return db('processed_event')
    .where('processed_at', '<', db.raw(`now() - make_interval(hours => ?)`, [hours]))
    .delete();
}
