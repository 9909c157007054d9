import type { Knex } from 'knex';
import { config } from '../config';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { eventMessage } from './message';
import type { OutboxEntry } from './outbox';
import { publisher } from './publisher';

/**
 * The outbox's fast path: right after a change commits, its events are published in the
 * background, so the request answers without waiting for the broker, and the rows are marked
 * sent in batches (one UPDATE for many events). Whatever does not make it (the broker is slow
 * or down, too many publishes in flight, the instance stops first) stays pending, and
 * `relay-outbox` publishes it once the row's fast-path window (OUTBOX_FAST_PATH_MS) has passed.
 * A row published here and by the relay reaches consumers twice; they are idempotent.
 */

/** Publishes in flight beyond which new events are left to the relay (bounded memory). */
const MAX_IN_FLIGHT = 1000;
/** Sent rows are marked together: at most this many per UPDATE, at most this long after. */
const MARK_BATCH = 200;
const MARK_DELAY_MS = 10;

let inFlight = 0;
const waiting = new Set<Promise<unknown>>();
let sent: { db: Knex; id: string; messageId: string }[] = [];
let markTimer: NodeJS.Timeout | undefined;

/**
 * How long a new outbox row is left to this process's fast path before the relay may take it:
 * OUTBOX_FAST_PATH_MS, or no time at all when nothing here can publish (a CLI without Pub/Sub),
 * so that the relay of a process that can (the running stack's) takes it at once.
 */
export function fastPathWindowMs(): number {
  return publisher().available === false ? 0 : config().OUTBOX_FAST_PATH_MS;
}

/** Starts publishing committed outbox entries; returns at once. */
export function publishAfterCommit(db: Knex, entries: OutboxEntry[]): void {
  // Nothing here can publish: the rows were written due at once (fastPathWindowMs).
  if (publisher().available === false) return;
  const topic = config().EVENTS_TOPIC;
  for (const entry of entries) {
    if (inFlight >= MAX_IN_FLIGHT) {
      logger.debug(
        { eventId: entry.event.id },
        'too many publishes in flight; left to the outbox relay',
      );
      continue;
    }
    inFlight++;
    track(
      publisher()
        .publish(topic, eventMessage(entry.event, entry.traceparent))
        .then(
          (messageId) => markSent(db, entry.id, messageId),
          (error: unknown) => {
            const reason = String((error as Error)?.message ?? error).slice(0, 500);
            logger.warn(
              { eventId: entry.event.id, reason },
              'publishing after commit failed; the outbox relay will retry',
            );
            return db('outbox')
              .where({ id: entry.id })
              .update({ attempts: db.raw('attempts + 1'), last_error: reason })
              .catch(() => undefined);
          },
        )
        .finally(() => {
          inFlight--;
        }),
    );
  }
}

/** Resolves once every publish started so far has finished and its row is marked. */
export async function afterCommitSettled(): Promise<void> {
  while (waiting.size > 0 || sent.length > 0) {
    if (sent.length > 0) await flushMarks();
    await Promise.allSettled([...waiting]);
  }
}

function track(work: Promise<unknown>): void {
  waiting.add(work);
  void work.finally(() => waiting.delete(work));
}

function markSent(db: Knex, id: string, messageId: string): void {
  sent.push({ db, id, messageId });
  if (sent.length >= MARK_BATCH) track(flushMarks());
  else markTimer ??= setTimeout(() => track(flushMarks()), MARK_DELAY_MS);
}

/** Marks the published rows sent: one UPDATE ... FROM (VALUES ...) per database. */
async function flushMarks(): Promise<void> {
  clearTimeout(markTimer);
  markTimer = undefined;
  const batch = sent;
  sent = [];
  const byDb = new Map<Knex, typeof batch>();
  for (const item of batch) {
    const rows = byDb.get(item.db);
    if (rows) rows.push(item);
    else byDb.set(item.db, [item]);
  }
  for (const [db, rows] of byDb) {
    const values = rows.map(() => '(?::bigint, ?)').join(', ');
    await db
      .raw(
        `UPDATE outbox SET sent_at = now(), message_id = v.message_id, attempts = attempts + 1, last_error = NULL
         FROM (VALUES ${values}) AS v(id, message_id)
         WHERE outbox.id = v.id AND outbox.sent_at IS NULL`,
        rows.flatMap((r) => [r.id, r.messageId]),
      )
      .catch((error: unknown) =>
        logger.warn(
          { error, rows: rows.length },
          'could not mark published events sent; the relay will publish them again',
        ),
      );
  }
}

// Before the pools and the publisher close, let what was started finish.
onShutdown('outbox fast path', afterCommitSettled, 'work');
