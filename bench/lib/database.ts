import knexFactory, { type Knex } from 'knex';
import { migrateToLatest } from '../../shared/db/migrations';

/** The PostgreSQL server the benchmarks use: DATABASE_URL, or the local default. */
export const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A fresh, migrated database for one benchmark run; dropped by `drop()`. Its name ends in this
 * process's id: two runs on one server (several people, or CI) must not drop each other's
 * database mid-run, which happened here with one shared `manifest_bench`.
 */
export async function benchDatabase(
  base = 'manifest_bench',
): Promise<{ url: string; knex: Knex; drop(): Promise<void> }> {
  const name = `${base}_${process.pid}`;
  const admin = knexFactory({ client: 'pg', connection: SERVER_URL, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  const knex = knexFactory({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 4 } });
  await migrateToLatest(knex);
  return {
    url: url.toString(),
    knex,
    drop: async () => {
      await knex.destroy();
      const cleanup = knexFactory({
        client: 'pg',
        connection: SERVER_URL,
        pool: { min: 0, max: 1 },
      });
      try {
        await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}
