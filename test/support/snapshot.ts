import type { Knex } from 'knex';

/** Every table a request or a delivery can write to. */
export const WRITABLE_TABLES = [
  'person',
  'outbox',
  'audit_log',
  'passenger_stats',
  'processed_event',
  'dead_letter',
] as const;
export type WritableTable = (typeof WRITABLE_TABLES)[number];
export type TableSnapshot = Record<WritableTable, { rows: number; checksum: string }>;

/**
 * Row count and an md5 of every row's text, per table: equal snapshots before and after mean
 * nothing was written, changed or deleted.
 */
export async function tableSnapshot(db: Knex): Promise<TableSnapshot> {
  const entries = await Promise.all(
    WRITABLE_TABLES.map(async (table) => {
      const { rows } = await db.raw(
        `SELECT count(*)::int AS rows,
                md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum
           FROM ${table} t`,
      );
      return [table, rows[0]] as const;
    }),
  );
  return Object.fromEntries(entries) as TableSnapshot;
}
