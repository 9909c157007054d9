import type { Knex } from 'knex';
import { config } from '../config';
import { logger } from '../logging';
import {
  fromHeld,
  fromRow,
  heldMatches,
  parseDeadLetterId,
  pubsubReason,
  readableData,
  recoverEvent,
  sourceConsumer,
  tableDeadLetters,
  UnknownDeadLetterError,
  type DeadLetter,
  type DeadLetterDetail,
  type DeadLetterFilter,
  type DeadLetterRow,
  type DeadLetterSources,
} from './dead-letter-entries';
import type { ManifestEvent } from './envelope';
import { eventMessage, type RedriveTarget } from './message';
import { outboxRow } from './outbox';
import type { EventPublisher } from './publisher';
import type { HeldMessage } from './retained';

/**
 * Dead-letter redrive: list, show, replay and discard the dead letters of both kinds
 * (dead-letter-entries.ts). The CLI (`npm run dead-letter`, redrive-cli.ts) and the local
 * console call these functions.
 *
 * A replay goes through the outbox: one transaction writes the event's outbox row and marks
 * the dead letter replayed (when, by whom, which row); a Pub/Sub dead letter is acknowledged
 * only after that commit. Publishing is then the outbox's usual job: at once when a publisher
 * is given, else by relay-outbox on its next tick, so a failure at any point loses nothing.
 * The message carries `redrive_consumer`: only the consumer that failed applies it, the others
 * acknowledge it (consumer.ts), and that consumer's idempotency record makes the replay of an
 * event it applied in the meantime harmless. A replay that fails again is dead-lettered again,
 * as a new entry with the new reason and a `redrive_of` attribute naming the old one.
 */

export {
  parseDeadLetterId,
  UnknownDeadLetterError,
  type DeadLetter,
  type DeadLetterDetail,
  type DeadLetterFilter,
  type DeadLetterSources,
} from './dead-letter-entries';

/** Pub/Sub dead letters read per command at most: what one operator can act on at once. */
const MAX_HELD = 10_000;

/** The dead letters matching a filter: the table's, then the retained subscription's. */
export async function listDeadLetters(
  sources: DeadLetterSources,
  filter: DeadLetterFilter = {},
): Promise<DeadLetter[]> {
  const rows = await tableDeadLetters(sources.db, filter);
  const entries = rows.map(fromRow);
  if (!sources.retained) return entries;
  const held = await sources.retained.pull(Math.min(filter.limit ?? 1000, MAX_HELD));
  await sources.retained.release(held);
  return [
    ...entries,
    ...held
      .filter((m) => heldMatches(m, filter, config().EVENTS_TOPIC))
      .map((m) => fromHeld(m, config().EVENTS_TOPIC)),
  ];
}

/**
 * One dead letter in full: its attributes, its data, and the event a replay would publish.
 * @throws UnknownDeadLetterError when no dead letter has this id
 */
export async function showDeadLetter(
  sources: DeadLetterSources,
  id: string,
): Promise<DeadLetterDetail> {
  const parsed = parseDeadLetterId(id);
  if (parsed && 'table' in parsed) {
    const row = await sources.db<DeadLetterRow>('dead_letter').where({ id: parsed.table }).first();
    if (row) return detailOfRow(sources.db, row);
  } else if (parsed) {
    const held = await holdPubsub(sources, [parsed.pubsub]);
    try {
      const message = held.wanted.get(parsed.pubsub);
      if (message) {
        const base64 = message.data.toString('base64');
        return {
          ...fromHeld(message, config().EVENTS_TOPIC),
          attributes: message.attributes,
          data: readableData(base64),
          complete: true,
          replayable: await recoverEvent(sources.db, base64, base64.length, null),
        };
      }
    } finally {
      await held.releaseAll();
    }
    // Replayed or discarded already: its copy in the table.
    const copy = await pubsubCopy(sources.db, parsed.pubsub);
    if (copy) return detailOfRow(sources.db, copy);
  }
  throw new UnknownDeadLetterError([id]);
}

async function detailOfRow(db: Knex, row: DeadLetterRow): Promise<DeadLetterDetail> {
  const data = row.data ?? '';
  return {
    ...fromRow(row),
    attributes: row.attributes,
    data: readableData(data),
    complete: data.length >= row.data_bytes,
    replayable: await recoverEvent(db, data, row.data_bytes, row.event_id),
  };
}

/** What became of one dead letter in a replay or a discard. */
export interface RedriveOutcome {
  id: string;
  outcome:
    | 'replayed'
    | 'published'
    | 'would replay'
    | 'discarded'
    | 'would discard'
    | 'already resolved'
    | 'not replayable';
  /** Why not replayable; who resolved it when already resolved. */
  detail?: string;
  consumer?: string | null;
  eventId?: string;
  type?: string;
  /** The replay's outbox row. */
  outboxId?: string;
}

/** Which dead letters a replay or a discard acts on: these ids, or every match of a filter. */
export type Selection = { ids: string[] } | { filter: DeadLetterFilter };

export interface RedriveOptions {
  /** Who asks: recorded with the resolution. */
  by: string;
  /** Say what would be done; change nothing. */
  dryRun?: boolean;
  /** Publishes each replay right after its commit; without it relay-outbox publishes it. */
  publisher?: EventPublisher;
}

/**
 * Replays one dead letter through the outbox (the local console's "replay" button).
 * @throws UnknownDeadLetterError when no dead letter has this id
 */
export async function replayDeadLetter(
  sources: DeadLetterSources,
  id: string,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  const [outcome] = await redrive(sources, { ids: [id] }, 'replay', options);
  return outcome!;
}

/**
 * Replays dead letters through the outbox, each in a transaction of its own: a failure midway
 * leaves those before it replayed and those after it untouched.
 * @throws UnknownDeadLetterError, before changing anything, when an id names no dead letter
 */
export function replayDeadLetters(
  sources: DeadLetterSources,
  selection: Selection,
  options: RedriveOptions,
): Promise<RedriveOutcome[]> {
  return redrive(sources, selection, 'replay', options);
}

/**
 * Resolves dead letters without replaying them (a relay tick, a message no version will ever
 * apply): marked discarded, when and by whom; a Pub/Sub one is copied to the table and
 * acknowledged.
 * @throws UnknownDeadLetterError, before changing anything, when an id names no dead letter
 */
export function discardDeadLetters(
  sources: DeadLetterSources,
  selection: Selection,
  options: RedriveOptions,
): Promise<RedriveOutcome[]> {
  return redrive(sources, selection, 'discard', options);
}

type Action = 'replay' | 'discard';

async function redrive(
  sources: DeadLetterSources,
  selection: Selection,
  action: Action,
  options: RedriveOptions,
): Promise<RedriveOutcome[]> {
  const { db } = sources;
  const ids = 'ids' in selection ? selection.ids : undefined;
  const parsed = (ids ?? []).map((id) => ({ id, parsed: parseDeadLetterId(id) }));
  const invalid = parsed.filter((p) => !p.parsed).map((p) => p.id);
  if (invalid.length > 0) throw new UnknownDeadLetterError(invalid);
  const tableIds = parsed.flatMap((p) => (p.parsed && 'table' in p.parsed ? [p.parsed.table] : []));
  const pubsubIds = parsed.flatMap((p) =>
    p.parsed && 'pubsub' in p.parsed ? [p.parsed.pubsub] : [],
  );

  const rows = ids
    ? tableIds.length > 0
      ? await db<DeadLetterRow>('dead_letter').whereIn('id', tableIds).orderBy('id').select()
      : []
    : await tableDeadLetters(db, 'filter' in selection ? selection.filter : {});
  const held =
    ids && pubsubIds.length === 0
      ? undefined
      : await holdPubsub(sources, ids ? pubsubIds : undefined, (m) =>
          'filter' in selection ? heldMatches(m, selection.filter, config().EVENTS_TOPIC) : true,
        );
  try {
    const messages = held ? [...held.wanted.values()] : [];
    if (ids) {
      const foundRows = new Set(rows.map((r) => String(r.id)));
      const copies = new Set(
        pubsubIds.length === 0
          ? []
          : await db('dead_letter')
              .where({ source: 'pubsub' })
              .whereIn('message_id', pubsubIds)
              .pluck('message_id'),
      );
      const missing = parsed
        .filter(({ parsed: p }) =>
          p && 'table' in p
            ? !foundRows.has(p.table)
            : !held?.wanted.has(p!.pubsub) && !copies.has(p!.pubsub),
        )
        .map((p) => p.id);
      if (missing.length > 0) throw new UnknownDeadLetterError(missing);
    }
    const outcomes: RedriveOutcome[] = [];
    // Named Pub/Sub dead letters resolved already: their copy exists, and no message waits.
    for (const id of pubsubIds.filter((m) => !held?.wanted.has(m))) {
      const copy = (await pubsubCopy(db, id))!;
      outcomes.push({ id: `ps-${id}`, outcome: 'already resolved', detail: resolvedText(copy) });
    }
    for (const row of rows) outcomes.push(await redriveRow(sources, row, action, options));
    for (const message of messages)
      outcomes.push(await redriveHeld(sources, held!, message, action, options));
    return outcomes;
  } finally {
    await held?.releaseAll();
  }
}

/** Replays or discards one row of the table, in one transaction. */
async function redriveRow(
  sources: DeadLetterSources,
  row: DeadLetterRow,
  action: Action,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  const id = `db-${row.id}`;
  const base = { id, consumer: row.consumer, ...(row.event_id ? { eventId: row.event_id } : {}) };
  if (row.resolution) return { ...base, outcome: 'already resolved', detail: resolvedText(row) };
  const recovered =
    action === 'replay'
      ? await recoverEvent(sources.db, row.data ?? '', row.data_bytes, row.event_id)
      : undefined;
  if (recovered && 'reason' in recovered)
    return { ...base, outcome: 'not replayable', detail: recovered.reason };
  const event = recovered?.event;
  if (options.dryRun)
    return { ...base, outcome: event ? 'would replay' : 'would discard', ...typeOf(event) };
  const redrive: RedriveTarget = { of: id, consumer: row.consumer };
  const result = await sources.db.transaction(async (trx) => {
    // Locked, and checked again: two operators replaying at once replay it once.
    const current = await trx('dead_letter')
      .where({ id: row.id })
      .forUpdate()
      .first<DeadLetterRow>();
    if (current?.resolution)
      return { ...base, outcome: 'already resolved' as const, detail: resolvedText(current) };
    const outboxId = event
      ? await addReplay(trx, event, row.attributes.traceparent, redrive, options)
      : undefined;
    await trx('dead_letter')
      .where({ id: row.id })
      .update(resolution(trx, action, options.by, outboxId));
    return outcomeOf(base, action, event, outboxId);
  });
  return publishReplay(sources.db, result, event, row.attributes.traceparent, redrive, options);
}

/** Replays or discards one held Pub/Sub dead letter: copied to the table, then acknowledged. */
async function redriveHeld(
  sources: DeadLetterSources,
  held: Held,
  message: HeldMessage,
  action: Action,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  const { db } = sources;
  const eventsTopic = config().EVENTS_TOPIC;
  const id = `ps-${message.messageId}`;
  const consumer = sourceConsumer(message.attributes, eventsTopic);
  const base = {
    id,
    consumer,
    ...(message.attributes.id ? { eventId: message.attributes.id } : {}),
  };
  const copy = await pubsubCopy(db, message.messageId);
  if (copy) {
    // Resolved by a run that stopped before acknowledging it: finish that run's work.
    if (options.dryRun) await held.release(message);
    else await held.ack(message);
    return { ...base, outcome: 'already resolved', detail: resolvedText(copy) };
  }
  const data = message.data.toString('base64');
  const recovered =
    action === 'replay' ? await recoverEvent(db, data, data.length, null) : undefined;
  if (recovered && 'reason' in recovered) {
    await held.release(message);
    return { ...base, outcome: 'not replayable', detail: recovered.reason };
  }
  const event = recovered?.event;
  if (options.dryRun) {
    await held.release(message);
    return { ...base, outcome: event ? 'would replay' : 'would discard', ...typeOf(event) };
  }
  const redrive: RedriveTarget = { of: id, ...(consumer ? { consumer } : {}) };
  const result = await db
    .transaction(async (trx) => {
      const outboxId = event
        ? await addReplay(trx, event, message.attributes.traceparent, redrive, options)
        : undefined;
      const inserted = await trx('dead_letter')
        .insert({
          source: 'pubsub',
          consumer: consumer ?? message.attributes['CloudPubSubDeadLetterSourceSubscription'] ?? '',
          message_id: message.messageId,
          event_id: message.attributes.id?.slice(0, 64) ?? null,
          reason: pubsubReason(message.attributes),
          attributes: JSON.stringify(message.attributes),
          data: data.slice(0, 64 * 1024),
          data_bytes: data.length,
          received_at: message.publishTime,
          ...resolution(trx, action, options.by, outboxId),
        })
        .onConflict(trx.raw(`(message_id) WHERE source = 'pubsub'`))
        .ignore()
        .returning('id');
      // Another run copied it first (between our look and this insert): it resolved it.
      if (inserted.length === 0) throw new ConcurrentRedriveError();
      return outcomeOf(base, action, event, outboxId);
    })
    .catch(async (error: unknown) => {
      if (!(error instanceof ConcurrentRedriveError)) throw error;
      return { ...base, outcome: 'already resolved' as const, detail: 'by another run just now' };
    });
  await held.ack(message);
  return publishReplay(db, result, event, message.attributes.traceparent, redrive, options);
}

class ConcurrentRedriveError extends Error {}

/** Writes a replay's outbox row; due for the relay at once unless a publisher publishes it now. */
async function addReplay(
  trx: Knex.Transaction,
  event: ManifestEvent,
  traceparent: string | undefined,
  redrive: RedriveTarget,
  options: RedriveOptions,
): Promise<string> {
  const relayAfterMs = options.publisher ? config().OUTBOX_FAST_PATH_MS : 0;
  const [row] = await trx('outbox')
    .insert(outboxRow(trx, event, traceparent ?? '', relayAfterMs, redrive))
    .returning('id');
  return String((row as { id: string | number }).id);
}

function resolution(trx: Knex.Transaction, action: Action, by: string, outboxId?: string) {
  return {
    resolution: action === 'replay' ? 'replayed' : 'discarded',
    resolved_at: trx.fn.now(),
    resolved_by: by.slice(0, 200),
    replay_outbox_id: outboxId ?? null,
  };
}

function outcomeOf(
  base: Pick<RedriveOutcome, 'id' | 'consumer' | 'eventId'>,
  action: Action,
  event: ManifestEvent | undefined,
  outboxId: string | undefined,
): RedriveOutcome {
  return {
    ...base,
    outcome: action === 'replay' ? 'replayed' : 'discarded',
    ...typeOf(event),
    ...(outboxId ? { outboxId } : {}),
  };
}

/** After commit: publishes the replay when a publisher is given, marking its row sent. */
async function publishReplay(
  db: Knex,
  outcome: RedriveOutcome,
  event: ManifestEvent | undefined,
  traceparent: string | undefined,
  redrive: RedriveTarget,
  options: RedriveOptions,
): Promise<RedriveOutcome> {
  if (!options.publisher || !event || outcome.outcome !== 'replayed') return outcome;
  try {
    const messageId = await options.publisher.publish(
      config().EVENTS_TOPIC,
      eventMessage(event, traceparent ?? '', redrive),
    );
    await db('outbox')
      .where({ id: outcome.outboxId })
      .whereNull('sent_at')
      .update({
        sent_at: db.fn.now(),
        message_id: messageId,
        attempts: db.raw('attempts + 1'),
      });
    return { ...outcome, outcome: 'published' };
  } catch (error) {
    logger.warn(
      { error, deadLetter: outcome.id },
      'publishing a replay failed; relay-outbox publishes it',
    );
    return outcome;
  }
}

function typeOf(event: ManifestEvent | undefined) {
  return event ? { type: event.type, eventId: event.id } : {};
}

function resolvedText(row: DeadLetterRow): string {
  return `${row.resolution} at ${new Date(row.resolved_at!).toISOString()} by ${row.resolved_by}`;
}

async function pubsubCopy(db: Knex, messageId: string): Promise<DeadLetterRow | undefined> {
  return db<DeadLetterRow>('dead_letter')
    .where({ source: 'pubsub', message_id: messageId })
    .first();
}

/**
 * Messages pulled from the retained subscription and leased to this command. Each is
 * acknowledged (once its replay or discard is committed) or released; whatever is still held at
 * the end is released, so a message is never left hidden for the rest of its lease.
 */
interface Held {
  wanted: Map<string, HeldMessage>;
  ack(message: HeldMessage): Promise<void>;
  release(message: HeldMessage): Promise<void>;
  releaseAll(): Promise<void>;
}

/**
 * Pulls the retained subscription: the wanted messages (these ids, or those `matches`
 * accepts) stay leased for the caller; the rest are released at once.
 */
async function holdPubsub(
  sources: DeadLetterSources,
  ids: string[] | undefined,
  matches: (message: HeldMessage) => boolean = () => true,
): Promise<Held> {
  const wanted = new Map<string, HeldMessage>();
  const retained = sources.retained;
  if (retained) {
    const held = await retained.pull(MAX_HELD);
    const others: HeldMessage[] = [];
    for (const message of held) {
      const want = ids ? ids.includes(message.messageId) : matches(message);
      if (want && !wanted.has(message.messageId)) wanted.set(message.messageId, message);
      else others.push(message);
    }
    await retained.release(others);
  }
  return {
    wanted,
    ack: async (message) => {
      await retained!.ack([message]);
      wanted.delete(message.messageId);
    },
    release: async (message) => {
      await retained!.release([message]);
      wanted.delete(message.messageId);
    },
    releaseAll: async () => {
      if (retained && wanted.size > 0) await retained.release([...wanted.values()]);
      wanted.clear();
    },
  };
}
