import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { createEvent, type ManifestEvent } from '../events/envelope';
import { fastPathWindowMs, publishBeforeAnswer } from '../events/fast-path';
import { addToOutbox, OUTBOX_ROW_SQL } from '../events/outbox';
import { deletePerson, insertPersonWith, updatePerson } from './repository';
import type { Person, PersonData, PersonUpdate } from './schema';

/** Who made a change and the trace of the request that made it; both travel with its event. */
export interface ChangeContext {
  actor: string;
  traceparent: string;
}

/**
 * Changes to people, each with its event: the person row and the outbox row are written in
 * one transaction, and the event is published after commit, before the change resolves (and
 * so before the request answers; events/fast-path.ts). A failed publish leaves the row to the
 * relay; the change stands either way.
 */
async function withEvent<T>(
  db: Knex,
  context: ChangeContext,
  change: (trx: Knex.Transaction) => Promise<{ result: T; event?: ManifestEvent }>,
): Promise<T> {
  const { result, entry } = await db.transaction(async (trx) => {
    const { result, event } = await change(trx);
    if (!event) return { result };
    return {
      result,
      entry: await addToOutbox(trx, event, context.traceparent, fastPathWindowMs()),
    };
  });
  if (entry) await publishBeforeAnswer(db, [entry]);
  return result;
}

/** Adds a person; emits `person.created`. Person and outbox row: one statement. */
export async function addPerson(
  db: Knex,
  data: PersonData,
  context: ChangeContext,
): Promise<Person> {
  const person: Person = { uuid: randomUUID(), ...data, survived: data.survived ?? false };
  const event = createEvent('person.created', {
    subject: person.uuid,
    actor: context.actor,
    data: person,
  });
  const id = await insertPersonWith(db, person, {
    ...OUTBOX_ROW_SQL,
    bindings: OUTBOX_ROW_SQL.bindings(event, context.traceparent, fastPathWindowMs()),
  });
  await publishBeforeAnswer(db, [{ id, event, traceparent: context.traceparent }]);
  return person;
}

/** Changes some fields; emits `person.updated` with the state before. `{}` changes (and emits) nothing. */
export function changePerson(
  db: Knex,
  uuid: string,
  changes: PersonUpdate,
  context: ChangeContext,
): Promise<Person | undefined> {
  return withEvent(db, context, async (trx) => {
    const updated = await updatePerson(trx, uuid, changes);
    if (!updated || updated.before === updated.after) return { result: updated?.after };
    const event = createEvent('person.updated', {
      subject: uuid,
      actor: context.actor,
      data: updated.after,
      previous: updated.before,
    });
    return { result: updated.after, event };
  });
}

/** Deletes a person; emits `person.deleted` with the state before. @returns false when there was none */
export function removePerson(db: Knex, uuid: string, context: ChangeContext): Promise<boolean> {
  return withEvent(db, context, async (trx) => {
    const deleted = await deletePerson(trx, uuid);
    if (!deleted) return { result: false };
    const event = createEvent('person.deleted', {
      subject: uuid,
      actor: context.actor,
      data: { uuid },
      previous: deleted,
    });
    return { result: true, event };
  });
}
