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
/** Per SQL text: its statement name, and the text with knex's `?` placeholders as `$1, $2…`. */
const statements = new Map<string, { name: string; text: string }>();
// Names are for a few fixed texts; a caller building texts without bound would fill the
// server's memory on every connection, so past this many texts they run unnamed.
const MAX_NAMES = 64;

/** 42P05 duplicate_prepared_statement. */
const isDuplicateName = (error: unknown) => (error as { code?: string })?.code === '42P05';

/**
 * `db.raw(sql, bindings)` as a named statement (parsed and planned once per connection).
 *
 * The named statement goes straight to a pooled connection of knex's pool (`pg`'s
 * `query({ name, text, values })`), its placeholders numbered once per text: `db.raw` would
 * redo that numbering, build its Raw and runner and emit its query events on every call
 * (the README's POST section has what that cost per request).
 *
 * The embedded database (PGlite) serves every connection from one session (embedded.ts), so
 * a name one pooled connection prepared exists already when another, which does not know it,
 * prepares it again: the server refuses that (42P05) before running anything, and from then
 * on this knex runs its statements unnamed. Not for a transaction: the refusal would abort it
 * (a transaction's statements go through `db.raw` on its own connection).
 */
export async function runPrepared<T = unknown>(
  db: Knex | Knex.Transaction,
  sql: string,
  bindings: readonly Knex.RawBinding[],
): Promise<T> {
  const statement =
    db.isTransaction || sharedSession.has(db) || bindings.includes(undefined as never)
      ? undefined // (knex refuses an undefined binding with its own message)
      : statementFor(db, sql);
  if (statement === undefined) return (await db.raw(sql, [...bindings])) as T;
  try {
    return (await onPooledConnection(db, { ...statement, values: bindings })) as T;
  } catch (error) {
    if (!isDuplicateName(error)) throw error;
    sharedSession.add(db);
    return (await db.raw(sql, [...bindings])) as T;
  }
}

/** The pg connection knex's pool hands out, as much of it as is used here. */
interface PooledConnection {
  query(config: { name: string; text: string; values: readonly unknown[] }): Promise<unknown>;
}

/** Runs one query on a connection of knex's pool (its acquire timeout and validation included). */
async function onPooledConnection(
  db: Knex,
  query: { name: string; text: string; values: readonly unknown[] },
): Promise<unknown> {
  const connection = (await db.client.acquireConnection()) as PooledConnection;
  try {
    return await connection.query(query);
  } catch (error) {
    // The shape of knex's query errors, "<SQL> - <the server's words>", which readers of the
    // message rely on (events/consumer.ts). The SQL as sent, without the values (knex's
    // `compileSqlOnError: false`): values of a person stay out of messages and logs.
    if (error instanceof Error) error.message = `${query.text} - ${error.message}`;
    throw error;
  } finally {
    void db.client.releaseConnection(connection); // (released at once; its promise is resolved)
  }
}

function statementFor(db: Knex, sql: string): { name: string; text: string } | undefined {
  let statement = statements.get(sql);
  if (statement === undefined && statements.size < MAX_NAMES) {
    statement = {
      name: `m_${createHash('sha1').update(sql).digest('hex').slice(0, 24)}`,
      text: (db.client as { positionBindings(sql: string): string }).positionBindings(sql),
    };
    statements.set(sql, statement);
  }
  return statement;
}
