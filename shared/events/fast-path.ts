import type { Knex } from 'knex';
import { config } from '../config';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { eventMessage } from './message';
import type { OutboxEntry } from './outbox';
import { publisher, PublishTimeoutError } from './publisher';

/**
 * The outbox's fast path: once a change has committed, the request that made it publishes its
 * events and marks their rows sent, and only then answers. Cloud Run gives an instance CPU only
 * while a request is in flight, so nothing that matters may be left for after the answer
 * (measured with the people bundle frozen after each answer: of 20 events published after the
 * answer, 2 to 6 reached the topic; test/integration/events-frozen.test.ts).
 *
 * The wait is bounded by PUBLISH_TIMEOUT_MS. A publish that fails or takes longer (Pub/Sub is
 * slow or down, too many publishes in flight) leaves its row pending and due, `relay-outbox`
 * publishes it, and the write succeeds all the same. A row published here and by the relay
 * reaches consumers twice; they are idempotent.
 */

/** Publishes in flight beyond which new events are left to the relay (bounded memory). */
const MAX_IN_FLIGHT = 1000;
/** At most this many rows are marked sent per UPDATE. */
const MARK_BATCH = 200;

let inFlight = 0;
/** Publishes not finished yet, including those whose write stopped waiting for them. */
const publishing = new Set<Promise<unknown>>();

/**
 * How long a new outbox row is left to this process's fast path before the relay may take it:
 * OUTBOX_FAST_PATH_MS, or no time at all when nothing here can publish (a CLI without Pub/Sub),
 * so that the relay of a process that can (the running stack's) takes it at once.
 */
export function fastPathWindowMs(): number {
  return publisher().available === false ? 0 : config().OUTBOX_FAST_PATH_MS;
}

/**
 * Publishes committed outbox entries and marks their rows sent; resolves when that is done, or
 * when PUBLISH_TIMEOUT_MS has passed for an entry (its row is then left to the relay). Never
 * rejects: the change has committed, and the relay publishes whatever this did not.
 */
export async function publishBeforeAnswer(db: Knex, entries: OutboxEntry[]): Promise<void> {
  // Nothing here can publish: the rows were written due at once (fastPathWindowMs).
  if (publisher().available === false) return;
  // The first write of an instance loads the Pub/Sub client (seconds at a small CPU share);
  // that is not the broker being slow, so it is outside PUBLISH_TIMEOUT_MS.
  await publisher()
    .ready?.()
    .catch(() => undefined); // the publish then fails too, and its row is left to the relay
  await Promise.all(entries.map((entry) => publishOne(db, entry)));
}

async function publishOne(db: Knex, entry: OutboxEntry): Promise<void> {
  if (inFlight >= MAX_IN_FLIGHT) {
    logger.warn(
      { eventId: entry.event.id, inFlight },
      'too many publishes in flight; the event is left to the outbox relay',
    );
    return leaveToRelay(db, entry, 'too many publishes in flight');
  }
  inFlight++;
  const published = publisher().publish(
    config().EVENTS_TOPIC,
    eventMessage(entry.event, entry.traceparent),
  );
  const done = published.then(
    () => undefined,
    () => undefined,
  );
  publishing.add(done);
  void done.finally(() => {
    inFlight--;
    publishing.delete(done);
  });
  let messageId: string;
  try {
    messageId = await within(published, config().PUBLISH_TIMEOUT_MS);
  } catch (error) {
    const reason = String((error as Error)?.message ?? error).slice(0, 500);
    logger.warn(
      { eventId: entry.event.id, reason },
      'publishing before the answer failed; the outbox relay will publish the event',
    );
    return leaveToRelay(db, entry, reason);
  }
  await markSent(db, entry.id, messageId);
}

/** The publish, or a PublishTimeoutError once `ms` have passed (the publish itself goes on). */
function within<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PublishTimeoutError(ms)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Records why the row was not published here and makes it due for the relay at once. */
async function leaveToRelay(db: Knex, entry: OutboxEntry, reason: string): Promise<void> {
  await db('outbox')
    .where({ id: entry.id })
    .whereNull('sent_at')
    .update({ attempts: db.raw('attempts + 1'), last_error: reason, next_attempt_at: db.fn.now() })
    .catch((error: unknown) =>
      logger.warn({ error, eventId: entry.event.id }, 'could not record the failed publish'),
    );
}

/**
 * Resolves once every publish started here has finished, also those whose write stopped waiting
 * (they change nothing more: their rows were left to the relay). Shutdown and the tests' fresh
 * instance (runtime/testing.ts) wait for them.
 */
export async function publishesSettled(): Promise<void> {
  while (publishing.size > 0) await Promise.all([...publishing]);
}

interface Mark {
  db: Knex;
  id: string;
  messageId: string;
  marked: () => void;
}

let marks: Mark[] = [];
let marking: Promise<void> | undefined;

/**
 * Marks a published row sent; resolves once the UPDATE is done. One UPDATE runs at a time: the
 * rows published meanwhile by concurrent requests are marked together by the next one, so a
 * lone write waits for no batch and a busy instance issues one UPDATE for many events.
 */
function markSent(db: Knex, id: string, messageId: string): Promise<void> {
  return new Promise((marked) => {
    marks.push({ db, id, messageId, marked });
    marking ??= markQueued();
  });
}

async function markQueued(): Promise<void> {
  while (marks.length > 0) {
    const batch = marks.slice(0, MARK_BATCH);
    marks = marks.slice(MARK_BATCH);
    const byDb = new Map<Knex, Mark[]>();
    for (const mark of batch) byDb.set(mark.db, [...(byDb.get(mark.db) ?? []), mark]);
    for (const [db, rows] of byDb) await markRows(db, rows);
    for (const mark of batch) mark.marked();
  }
  marking = undefined;
}

/** One UPDATE ... FROM (VALUES ...) for the rows; a failure is logged (the relay republishes them). */
async function markRows(db: Knex, rows: Mark[]): Promise<void> {
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

// Before the pools and the publisher close, let the publishes still running finish.
onShutdown('outbox fast path', publishesSettled, 'work');
