import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { resetConfig } from '../../shared/config';
import { closeDatabase, migrateToLatest, migrationStatus } from '../../shared/db';
import { runMigrateCommand } from '../../shared/db/migrate-cli';
import { grantRuntimeRole, RUNTIME_ROLE } from '../../shared/db/roles';
import {
  deletePerson,
  findPerson,
  insertPersonWith,
  listPeople,
  updatePerson,
} from '../../shared/people/repository';

/**
 * The roles of a deployment on a real PostgreSQL server: the migrations run as an owner that is
 * no superuser (as Cloud SQL's built-in user), a function's login (as a Cloud SQL IAM user, a
 * role with no privileges of its own) is made a member of the runtime role, and then does the
 * application's work but cannot change the schema. PGlite has one user, so this runs on
 * PostgreSQL only.
 */
const adminUrl = process.env.MANIFEST_TEST_POSTGRES_ADMIN_URL;
const skip = process.env.MANIFEST_TEST_POSTGRES_SKIP;
const describeOnPostgres = skip ? describe.skip : describe;

const suffix = `${process.pid}_${Date.now()}`;
const OWNER = `manifest_owner_${suffix}`;
const LOGIN = `manifest_fn_${suffix}`;
const CREATOR = `manifest_creator_${suffix}`;
const ADMINS = `manifest_admins_${suffix}`;
const ADMIN_MEMBER = `manifest_admin_member_${suffix}`;
const DATABASE = `manifest_test_${process.pid}_roles`;
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

const urlAs = (user: string, database = DATABASE) => {
  const url = new URL(adminUrl!);
  url.username = user;
  url.pathname = `/${database}`;
  return url.toString();
};
const connect = (user: string) =>
  knexFactory({ client: 'pg', connection: urlAs(user), pool: { min: 0, max: 2 } });

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(db: Knex, sql: string): Promise<string> {
  try {
    await db.raw(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const person = () => ({
  uuid: randomUUID(),
  survived: true,
  passengerClass: 2,
  name: 'Mrs. Runtime Role',
  sex: 'female' as const,
  age: 29.5,
  siblingsOrSpousesAboard: 0,
  parentsOrChildrenAboard: 1,
  fare: 13.5,
});

describeOnPostgres(`the database roles [PostgreSQL${skip ? `: SKIPPED, ${skip}` : ''}]`, () => {
  let admin: Knex;
  let owner: Knex;
  let runtime: Knex;

  beforeAll(async () => {
    admin = knexFactory({ client: 'pg', connection: adminUrl!, pool: { min: 0, max: 1 } });
    await admin.raw(`CREATE ROLE ${OWNER} LOGIN CREATEROLE`);
    await admin.raw(`CREATE ROLE ${LOGIN} LOGIN`);
    await admin.raw(`CREATE DATABASE ${DATABASE} OWNER ${OWNER}`);
    owner = connect(OWNER);
    await migrateToLatest(owner);
    await grantRuntimeRole(owner, [LOGIN]);
    runtime = connect(LOGIN);
  });

  afterAll(async () => {
    await runtime?.destroy();
    await owner?.destroy();
    await admin.raw(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    for (const role of [LOGIN, `${LOGIN}_cli`, CREATOR, ADMIN_MEMBER, ADMINS, OWNER])
      await admin.raw(`DROP ROLE IF EXISTS ${role}`);
    await admin.destroy();
  });

  it('gives the runtime role the rows of every application table, and reading the migrations', async () => {
    const { rows } = await owner.raw<{ rows: { tablename: string }[] }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
    );
    const granted: Record<string, string[]> = {};
    for (const { tablename } of rows) {
      const checks = await owner.raw<{ rows: { privilege: string; held: boolean }[] }>(
        'SELECT p AS privilege, has_table_privilege(?, ?, p) AS held FROM unnest(?::text[]) AS p',
        [RUNTIME_ROLE, `public.${tablename}`, PRIVILEGES],
      );
      granted[tablename] = checks.rows.filter((r) => r.held).map((r) => r.privilege);
    }
    const rowsOnly = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];
    expect(granted).toEqual({
      audit_log: rowsOnly,
      dead_letter: rowsOnly,
      knex_migrations: ['SELECT'],
      knex_migrations_lock: ['SELECT'],
      outbox: rowsOnly,
      passenger_stats: rowsOnly,
      person: rowsOnly,
      processed_event: rowsOnly,
    });
  });

  it("lets a function's login do the application's work", async () => {
    const first = person();
    await insertPersonWith(runtime, first, {
      table: 'outbox',
      columns: 'event_id, type, subject, payload',
      values: '?, ?, ?, ?',
      bindings: [randomUUID(), 'person.created', first.uuid, JSON.stringify({ id: first.uuid })],
    });
    await runtime.transaction((trx) => updatePerson(trx, first.uuid, { age: 30 }));
    expect((await findPerson(runtime, first.uuid))?.age).toBe(30);
    expect((await listPeople(runtime, { limit: 10 })).people).toHaveLength(1);

    await runtime.transaction(async (trx) => {
      // The relay's claim and the stats rebuild's lock.
      const claimed = await trx('outbox').whereNull('sent_at').forUpdate().skipLocked();
      expect(claimed).toHaveLength(1);
      await trx('outbox').where({ id: claimed[0].id }).update({ sent_at: trx.fn.now() });
      await trx.raw('LOCK TABLE person IN SHARE MODE');
      await trx.raw('CREATE TEMP TABLE import_rows (line integer) ON COMMIT DROP');
    });
    await runtime('processed_event').insert({ consumer: 'audit-log', event_id: randomUUID() });
    await runtime('dead_letter').insert({ consumer: 'audit-log', reason: 'test' });
    expect((await deletePerson(runtime, first.uuid))?.uuid).toBe(first.uuid);
    expect((await migrationStatus(runtime)).pending).toEqual([]);
  });

  it("refuses a function's login every change to the schema and the migration records", async () => {
    expect({
      drop: await outcome(runtime, 'DROP TABLE person'),
      truncate: await outcome(runtime, 'TRUNCATE outbox'),
      alter: await outcome(runtime, 'ALTER TABLE person ADD COLUMN cabin text'),
      create: await outcome(runtime, 'CREATE TABLE cabin (id integer)'),
      migrations: await outcome(runtime, "DELETE FROM knex_migrations WHERE name <> ''"),
    }).toEqual({
      drop: '42501',
      truncate: '42501',
      alter: '42501',
      create: '42501',
      migrations: '42501',
    });
  });

  it('lets the migration owner drop a table', async () => {
    expect(await outcome(owner, 'DROP TABLE audit_log')).toBe('ok');
  });

  it('refuses to make a runtime user of a login that could do more, naming why', async () => {
    await admin.raw(`CREATE ROLE ${CREATOR} LOGIN CREATEDB`);
    await admin.raw(`CREATE ROLE ${ADMINS} NOLOGIN`);
    await admin.raw(`CREATE ROLE ${ADMIN_MEMBER} LOGIN IN ROLE ${ADMINS}`);
    await expect(
      grantRuntimeRole(owner, [CREATOR, ADMIN_MEMBER, 'manifest_nobody'], [ADMINS]),
    ).rejects.toThrow(
      `${CREATOR} may create databases: it must not run the functions; ` +
        `${ADMIN_MEMBER} is a member of ${ADMINS}: it must not run the functions; ` +
        'manifest_nobody does not exist',
    );
    const { rows } = await admin.raw<{ rows: { member: boolean }[] }>(
      'SELECT pg_has_role(?, ?, ?) AS member',
      [CREATOR, RUNTIME_ROLE, 'MEMBER'],
    );
    expect(rows).toEqual([{ member: false }]);
  });

  it('grants from the command line: npm run migrate:grant-runtime -- <login>', async () => {
    await admin.raw(`CREATE ROLE ${LOGIN}_cli LOGIN`);
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = urlAs(OWNER);
    resetConfig();
    const lines: string[] = [];
    try {
      const code = await runMigrateCommand(['grant-runtime', `${LOGIN}_cli`], {
        write: (s: string) => lines.push(s),
      } as never);
      expect(code).toBe(0);
    } finally {
      await closeDatabase();
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
      resetConfig();
    }
    expect(lines.join('')).toContain(`Granted ${RUNTIME_ROLE}`);
    const { rows } = await admin.raw<{ rows: { member: boolean }[] }>(
      'SELECT pg_has_role(?, ?, ?) AS member',
      [`${LOGIN}_cli`, RUNTIME_ROLE, 'MEMBER'],
    );
    expect(rows).toEqual([{ member: true }]);
  });
});
