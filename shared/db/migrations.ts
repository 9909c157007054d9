import type { Knex } from 'knex';
import { migrations, type Migration } from '../../migrations';

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
 */
export async function migrationStatus(db: Knex): Promise<MigrationStatus> {
  const applied = (await db.schema.hasTable('knex_migrations'))
    ? (await db('knex_migrations').select('name').orderBy('id')).map(
        (row: { name: string }) => row.name,
      )
    : [];
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
