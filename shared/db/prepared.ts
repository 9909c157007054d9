import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/**
 * Statements run often enough that planning them each time is most of their cost: the `pg`
 * driver sends an unnamed statement, which the server parses and plans on every call. A
 * named one is parsed once per connection and its plan kept (the server's plan cache), so
 * later calls only bind and execute. Measured on the consumer's statement (idempotency
 * record and projection, README "Events through project-stats"): 225 µs of the server's CPU
 * unnamed, 50 µs named.
 *
 * The name is a hash of the SQL text, so one text has one name on every connection.
 */

/** Knex instances whose connections share one session (below): their statements run unnamed. */
const sharedSession = new WeakSet<Knex>();
const names = new Map<string, string>();
// Names are for a few fixed texts; a caller building texts without bound would fill the
// server's memory on every connection, so past this many texts they run unnamed.
const MAX_NAMES = 64;

/** 42P05 duplicate_prepared_statement. */
const isDuplicateName = (error: unknown) => (error as { code?: string })?.code === '42P05';

/**
 * `db.raw(sql, bindings)` as a named statement (parsed and planned once per connection).
 *
 * The embedded database (PGlite) serves every connection from one session (embedded.ts), so
 * a name one pooled connection prepared exists already when another, which does not know it,
 * prepares it again: the server refuses that (42P05) before running anything, and from then
 * on this knex runs its statements unnamed. Not for a transaction: the refusal would abort it.
 */
export async function runPrepared<T = unknown>(
  db: Knex,
  sql: string,
  bindings: readonly Knex.RawBinding[],
): Promise<T> {
  const name = sharedSession.has(db) ? undefined : nameFor(sql);
  if (name === undefined) return (await db.raw(sql, [...bindings])) as T;
  try {
    return (await db.raw(sql, [...bindings]).options({ name })) as T;
  } catch (error) {
    if (!isDuplicateName(error)) throw error;
    sharedSession.add(db);
    return (await db.raw(sql, [...bindings])) as T;
  }
}

function nameFor(sql: string): string | undefined {
  let name = names.get(sql);
  if (name === undefined && names.size < MAX_NAMES) {
    name = `m_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`;
    names.set(sql, name);
  }
  return name;
}
