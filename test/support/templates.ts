import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import knexFactory from 'knex';
import { serveOnSocket } from '../../shared/db/embedded';
import { loadPglite } from '../../shared/db/pglite';
import { migrateToLatest } from '../../shared/db/migrations';

const MIGRATIONS_DIR = resolve(__dirname, '../../migrations');
/** Where PostgreSQL is expected for the second leg; CI sets REQUIRE_POSTGRES=1 so absence fails. */
export const POSTGRES_ADMIN_URL =
  process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/**
 * The template of this test run: named after the jest process, so two runs at once (two
 * checkouts on one machine) never drop each other's template, and a run that died leaves one
 * that the next run drops (dropLeftoverDatabases: the pid is in the name).
 */
export const POSTGRES_TEMPLATE = `manifest_test_${process.pid}_template`;

/** A hash of the migrations, so a template is rebuilt exactly when they change. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(MIGRATIONS_DIR).sort())
    hash.update(file).update(readFileSync(join(MIGRATIONS_DIR, file)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * A dump of a PGlite database with every migration applied, built once per migrations hash.
 * @returns the path of the dump (a tar of the data directory)
 */
export async function preparePgliteTemplate(): Promise<string> {
  const dir = join(tmpdir(), 'manifest-test-templates');
  const file = join(dir, `pglite-${migrationsHash()}.tar`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const { PGlite, extensions } = await loadPglite();
  const db = await PGlite.create('memory://', { extensions });
  const socketDir = join(dir, `socket-${process.pid}`);
  const server = await serveOnSocket(db, socketDir);
  const knex = knexFactory({
    client: 'pg',
    connection: { host: socketDir, user: 'postgres', database: 'postgres' },
  });
  try {
    await migrateToLatest(knex);
  } finally {
    await knex.destroy();
    await server.stop();
  }
  const dump = await db.dumpDataDir('none');
  await db.close();
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
  renameSync(partial, file);
  return file;
}

/**
 * Recreates the migrated PostgreSQL template database, or says why the PostgreSQL leg is skipped.
 */
export async function preparePostgresTemplate(): Promise<
  { adminUrl: string; template: string } | { skip: string }
> {
  const admin = knexFactory({
    client: 'pg',
    connection: POSTGRES_ADMIN_URL,
    pool: { min: 0, max: 1 },
  });
  try {
    try {
      await admin.raw('SELECT 1');
    } catch (error) {
      const reason = `no PostgreSQL server at ${POSTGRES_ADMIN_URL.replace(/\/\/[^@]*@/, '//')} (${(error as Error).message})`;
      if (process.env.REQUIRE_POSTGRES === '1')
        throw new Error(`REQUIRE_POSTGRES=1 but ${reason}`, { cause: error });
      return { skip: reason };
    }
    await dropLeftoverDatabases(admin);
    await admin.raw(`DROP DATABASE IF EXISTS ${POSTGRES_TEMPLATE} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${POSTGRES_TEMPLATE}`);
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = `/${POSTGRES_TEMPLATE}`;
    const template = knexFactory({
      client: 'pg',
      connection: url.toString(),
      pool: { min: 0, max: 1 },
    });
    try {
      await migrateToLatest(template);
    } finally {
      await template.destroy();
    }
    return { adminUrl: POSTGRES_ADMIN_URL, template: POSTGRES_TEMPLATE };
  } finally {
    await admin.destroy();
  }
}

/** Drops test databases left by test processes that no longer run (their pid is in the name). */
async function dropLeftoverDatabases(admin: knexFactory.Knex): Promise<void> {
  const { rows } = await admin.raw<{ rows: { datname: string }[] }>(
    "SELECT datname FROM pg_database WHERE datname ~ '^manifest_test_[0-9]+_'",
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[2]);
    if (!isAlive(pid)) await admin.raw(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
