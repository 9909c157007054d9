import type { Knex } from 'knex';
import { migrations, type Migration } from '../../migrations';
import { isUndefinedTable } from './errors';

/** knex reads migrations from this list rather than from the directory (see migrations/index.ts). */
export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: async () => [...migrations],
  getMigrationName: (migration) => migration.name,
  getMigration: async (migration) => migration,
};

export const migratorConfig: Knex.MigratorConfig = { migrationSource };

/** Applied and pending migrations, by name, oldest first. */
export interface MigrationStatus {
  applied: string[];
  pending: string[];
  /** Applied names this code does not know: the database is ahead of the code. */
  unknown: string[];
}

/**
 * Reads which migrations the database has applied, without creating anything
 * (unlike `knex.migrate.list()`, which creates its bookkeeping tables as a side effect).
 *
 * One query, as knex's migrator names the table (unqualified): a missing table (`42P01`, a
 * database never migrated) means none applied. Every instance asks this before its first
 * answer, so it is on the cold start's path: asking `information_schema` whether the table
 * exists first cost a second round trip and about 9 ms of the server's planning on a new
 * connection (measured with log_min_duration_statement on the benchmark's PostgreSQL).
 * Not for use inside a transaction: the error of a missing table would abort it.
 */
export async function migrationStatus(db: Knex): Promise<MigrationStatus> {
  const applied = await db('knex_migrations')
    .select('name')
    .orderBy('id')
    .then(
      (rows: { name: string }[]) => rows.map((row) => row.name),
      (error: unknown) => {
        if (isUndefinedTable(error)) return [];
        throw error;
      },
    );
  const known = migrations.map((m) => m.name);
  const appliedSet = new Set(applied);
  return {
    applied,
    pending: known.filter((name) => !appliedSet.has(name)),
    unknown: applied.filter((name) => !known.includes(name)),
  };
}

/** Applies every pending migration; returns the names it applied. */
export async function migrateToLatest(db: Knex): Promise<string[]> {
  const [, names] = (await db.migrate.latest(migratorConfig)) as [number, string[]];
  return names;
}

/** Undoes the last batch of migrations; returns the names it rolled back. */
export async function rollbackLastBatch(db: Knex): Promise<string[]> {
  const [, names] = (await db.migrate.rollback(migratorConfig)) as [number, string[]];
  return names;
}
