import type { Knex } from 'knex';
import type { Person, PersonData, PersonUpdate } from './schema';

/**
 * The person table behind the API. Every function takes a knex or a transaction, so callers
 * can make a person write and its outbox row one atomic unit. Parameterized queries only.
 */

/** A row of the `person` table as the `pg` driver returns it (numeric columns as strings). */
interface PersonRow {
  id: string;
  survived: boolean;
  passenger_class: number;
  name: string;
  sex: Person['sex'];
  age: string;
  siblings_or_spouses_aboard: number;
  parents_or_children_aboard: number;
  fare: string;
}

const COLUMNS: string[] = [
  'id',
  'survived',
  'passenger_class',
  'name',
  'sex',
  'age',
  'siblings_or_spouses_aboard',
  'parents_or_children_aboard',
  'fare',
];

const COLUMN_OF: Record<keyof PersonData, keyof PersonRow> = {
  survived: 'survived',
  passengerClass: 'passenger_class',
  name: 'name',
  sex: 'sex',
  age: 'age',
  siblingsOrSpousesAboard: 'siblings_or_spouses_aboard',
  parentsOrChildrenAboard: 'parents_or_children_aboard',
  fare: 'fare',
};

/** Maps a row to the API's Person. Numeric strings become JSON numbers: "0.42" -> 0.42. */
export function toPerson(row: PersonRow): Person {
  return {
    uuid: row.id,
    survived: row.survived,
    passengerClass: row.passenger_class,
    name: row.name,
    sex: row.sex,
    age: Number(row.age),
    siblingsOrSpousesAboard: row.siblings_or_spouses_aboard,
    parentsOrChildrenAboard: row.parents_or_children_aboard,
    fare: Number(row.fare),
  };
}

/**
 * Maps API fields to columns. Decimals are sent as the shortest string that reads back as
 * the same double (String(0.42) === "0.42"), so `numeric` stores exactly what the client wrote.
 */
function toColumns(data: PersonUpdate): Record<string, unknown> {
  const columns: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data) as [keyof PersonData, unknown][]) {
    if (value === undefined) continue;
    columns[COLUMN_OF[field]] =
      typeof value === 'number' && !Number.isInteger(value) ? String(value) : value;
  }
  return columns;
}

/** Inserts a person; `survived` defaults to false. */
export async function createPerson(db: Knex | Knex.Transaction, data: PersonData): Promise<Person> {
  const [row] = await db('person')
    .insert(toColumns({ survived: false, ...data }))
    .returning(COLUMNS);
  return toPerson(row as PersonRow);
}

/** The person with this uuid, or undefined. */
export async function findPerson(
  db: Knex | Knex.Transaction,
  uuid: string,
): Promise<Person | undefined> {
  const row = await db('person').select(COLUMNS).where('id', uuid).first();
  return row ? toPerson(row as PersonRow) : undefined;
}

/**
 * Applies a partial update: present fields replace, absent ones stay; `{}` writes nothing.
 * Locks the row first, so `before` is exactly the state the update replaced.
 * @returns the person before and after, or undefined when there is no such person
 */
export async function updatePerson(
  trx: Knex.Transaction,
  uuid: string,
  changes: PersonUpdate,
): Promise<{ before: Person; after: Person } | undefined> {
  const current = await trx('person').select(COLUMNS).where('id', uuid).forUpdate().first();
  if (!current) return undefined;
  const before = toPerson(current as PersonRow);
  const columns = toColumns(changes);
  if (Object.keys(columns).length === 0) return { before, after: before };
  const [row] = await trx('person').where('id', uuid).update(columns).returning(COLUMNS);
  return { before, after: toPerson(row as PersonRow) };
}

/** Deletes a person. @returns the deleted person, or undefined when there was none */
export async function deletePerson(
  db: Knex | Knex.Transaction,
  uuid: string,
): Promise<Person | undefined> {
  const [row] = await db('person').where('id', uuid).delete().returning(COLUMNS);
  return row ? toPerson(row as PersonRow) : undefined;
}

/**
 * One page of people in uuid order, starting after `after` (keyset pagination: a page 900,000
 * rows deep costs the same index seek as the first, and concurrent writes never shift a page).
 * @returns the page, and the uuid to continue after when more rows follow
 */
export async function listPeople(
  db: Knex | Knex.Transaction,
  page: { limit: number; after?: string },
): Promise<{ people: Person[]; nextAfter?: string }> {
  const query = db('person')
    .select(COLUMNS)
    .orderBy('id')
    .limit(page.limit + 1);
  if (page.after) query.where('id', '>', page.after);
  const rows = (await query) as PersonRow[];
  const people = rows.slice(0, page.limit).map(toPerson);
  const more = rows.length > page.limit;
  return more ? { people, nextAfter: people[people.length - 1]!.uuid } : { people };
}
