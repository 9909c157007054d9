import type { Knex } from 'knex';
import { config } from '../config';
import { logger } from '../logging';
import type { ManifestEvent } from './envelope';
import { eventMessage, type RedriveTarget } from './message';
import { publisher } from './publisher';

/**
 * The transactional outbox: an event is a row written in the same transaction as the change
 * it describes, so a change is never committed without its event (nor an event without its
 * change). Publishing happens after commit: at once by the writer (fast-path.ts), and by
 * `relay-outbox` for whatever the fast path missed.
 */

/** An event written to the outbox, ready to publish after commit. */
export interface OutboxEntry {
  id: string;
  event: ManifestEvent;
  traceparent: string;
}

interface OutboxRow {
  id: string;
  event_id: string;
  payload: ManifestEvent;
  traceparent: string | null;
  attempts: number;
  redrive_of: string | null;
  redrive_consumer: string | null;
}

/** The message of an outbox row: its event, and for a replay its redrive attributes. */
function rowMessage(row: OutboxRow) {
  const redrive: RedriveTarget | undefined = row.redrive_of
    ? { of: row.redrive_of, consumer: row.redrive_consumer ?? undefined }
    : undefined;
  return eventMessage(row.payload, row.traceparent ?? '', redrive);
}

/**
 * The outbox row of an event. The relay leaves it alone for `relayAfterMs`: the time the
 * writer keeps to publish it itself (fastPathWindowMs() when it publishes after commit).
 */
export function outboxRow(
  db: Knex | Knex.Transaction,
  event: ManifestEvent,
  traceparent: string,
  relayAfterMs: number,
  redrive?: RedriveTarget,
): Record<string, unknown> {
  return {
    ...(redrive ? { redrive_of: redrive.of, redrive_consumer: redrive.consumer ?? null } : {}),
    event_id: event.id,
    type: event.type,
    subject: event.subject,
    payload: JSON.stringify(event),
    traceparent,
    next_attempt_at: db.raw(`now() + make_interval(secs => ?)`, [relayAfterMs / 1000]),
  };
}

/**
 * The same outbox row as SQL text and bindings, for a statement written once as text rather
 * than built per request (the person write's: people/repository.ts insertPersonWith). Building
 * that statement with knex's query builder was the largest cost of a POST in our own code
 * (the README's POST section has the profile).
 */
export const OUTBOX_ROW_SQL = {
  table: 'outbox',
  columns: 'event_id, type, subject, payload, traceparent, next_attempt_at',
  values: '?, ?, ?, ?, ?, now() + make_interval(secs => ?)',
  bindings: (
    event: ManifestEvent,
    traceparent: string,
    relayAfterMs: number,
  ): Knex.RawBinding[] => [
    event.id,
    event.type,
    event.subject,
    JSON.stringify(event),
    traceparent,
    relayAfterMs / 1000,
  ],
};

/** Writes an event to the outbox inside the caller's transaction. */
export async function addToOutbox(
  trx: Knex.Transaction,
  event: ManifestEvent,
  traceparent: string,
  relayAfterMs: number,
): Promise<OutboxEntry> {
  const [row] = await trx('outbox')
    .insert(outboxRow(trx, event, traceparent, relayAfterMs))
    .returning('id');
  return { id: String((row as { id: string | number }).id), event, traceparent };
}

/** Delay before the next attempt at a row that failed `attempts` times: 1 s doubling to 5 min, with jitter. */
export function retryDelayMs(attempts: number, random = Math.random): number {
  const base = Math.min(1000 * 2 ** Math.max(0, attempts - 1), 5 * 60 * 1000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** What one relay run did. */
export interface RelayReport {
  published: number;
  failed: number;
}

/**
 * Publishes pending outbox rows in id order, a batch per transaction. Rows are locked with
 * FOR UPDATE SKIP LOCKED, so relays running at once share the work instead of publishing a row
 * twice; a row whose publish fails gets its own backoff (`next_attempt_at`). Stops when no row
 * is due or the time budget is spent.
 */
export async function relayOutbox(
  db: Knex,
  options: { budgetMs?: number } = {},
): Promise<RelayReport> {
  const { RELAY_BATCH_SIZE, EVENTS_TOPIC } = config();
  const deadline = Date.now() + (options.budgetMs ?? 50_000);
  const report: RelayReport = { published: 0, failed: 0 };
  while (Date.now() < deadline) {
    const batch = await db.transaction(async (trx) => {
      const rows: OutboxRow[] = await trx('outbox')
        .select(
          'id',
          'event_id',
          'payload',
          'traceparent',
          'attempts',
          'redrive_of',
          'redrive_consumer',
        )
        .whereNull('sent_at')
        .where('next_attempt_at', '<=', trx.fn.now())
        .orderBy('id')
        .limit(RELAY_BATCH_SIZE)
        .forUpdate()
        .skipLocked();
      // Issued in id order; the client batches them in that order.
      const outcomes = await Promise.allSettled(
        rows.map((row) => publisher().publish(EVENTS_TOPIC, rowMessage(row))),
      );
      for (const [i, outcome] of outcomes.entries()) {
        const row = rows[i]!;
        if (outcome.status === 'fulfilled') {
          await trx('outbox')
            .where({ id: row.id })
            .update({
              sent_at: trx.fn.now(),
              message_id: outcome.value,
              attempts: row.attempts + 1,
              last_error: null,
            });
        } else {
          const delay = retryDelayMs(row.attempts + 1);
          await trx('outbox')
            .where({ id: row.id })
            .update({
              attempts: row.attempts + 1,
              last_error: String((outcome.reason as Error)?.message ?? outcome.reason).slice(
                0,
                500,
              ),
              next_attempt_at: trx.raw(`now() + make_interval(secs => ?)`, [delay / 1000]),
            });
          logger.warn(
            { eventId: row.event_id, attempts: row.attempts + 1, retryInMs: delay },
            'relay could not publish an event',
          );
        }
      }
      return { size: rows.length, failed: outcomes.filter((o) => o.status === 'rejected').length };
    });
    report.published += batch.size - batch.failed;
    report.failed += batch.failed;
    if (batch.size < RELAY_BATCH_SIZE || batch.failed === batch.size) break;
  }
  return report;
}

/**
 * Deletes sent rows older than OUTBOX_RETENTION_HOURS, a bounded batch per call.
 * @returns how many rows were deleted
 */
export async function pruneOutbox(db: Knex): Promise<number> {
  const hours = config().OUTBOX_RETENTION_HOURS;
  const cutoff = db.raw(`now() - make_interval(hours => ?)`, [hours]);
  return db('outbox')
    .whereIn(
      'id',
      db('outbox').select('id').where('sent_at', '<', cutoff).orderBy('sent_at').limit(5000),
    )
    .delete();
}
