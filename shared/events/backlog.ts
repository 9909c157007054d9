import type { Knex } from 'knex';
import { logger } from '../logging';

/**
 * The outbox's backlog, as relay-outbox logs it on every tick in the cloud. Cloud Monitoring
 * reads the line: two log-based metrics extract its fields, and alerts watch them (the oldest
 * row's age; the line's absence, which means the relay stopped). Terraform restates the message and the field
 * names (local.outbox_backlog_log in terraform/declarations.tf), and test/infra/drift.test.ts
 * fails when the two differ, so renaming either side breaks a test before it breaks an alert.
 */
export const OUTBOX_BACKLOG_LOG = {
  /** The function that writes the line (its Cloud Run service name). */
  function: 'relay-outbox',
  message: 'outbox backlog',
  fields: { pending: 'pending', oldestPendingSeconds: 'oldestPendingSeconds' },
} as const;

/** Rows not yet published, and the age of the oldest in whole seconds (0 when there is none). */
export interface OutboxBacklog {
  pending: number;
  oldestPendingSeconds: number;
}

/**
 * The outbox's backlog, in one query that reads only pending rows (the `outbox_pending` partial
 * index holds exactly those), so it costs as much as the backlog, never the table.
 */
export async function outboxBacklog(db: Knex | Knex.Transaction): Promise<OutboxBacklog> {
  const { rows } = await db.raw(OUTBOX_BACKLOG_SQL);
  const row = (rows as { pending: number; oldest: number }[])[0]!;
  return { pending: row.pending, oldestPendingSeconds: row.oldest };
}

/**
 * The backlog as one SELECT (columns `pending`, `oldest`), for outboxBacklog and for the health
 * check's single query. `WHERE sent_at IS NULL` is the predicate of the partial index
 * `outbox_pending`: on 100 000 sent rows and 10 pending, PostgreSQL 15's EXPLAIN costs it 23 (an
 * index scan of the pending rows) where a scan of the table costs 2 640.
 */
export const OUTBOX_BACKLOG_SQL = `SELECT count(*)::integer AS pending,
  coalesce(floor(extract(epoch FROM now() - min(created_at))), 0)::integer AS oldest
  FROM outbox WHERE sent_at IS NULL`;

/**
 * An empty, unchanged backlog is logged at most this often. Cloud Scheduler ticks a minute apart
 * at the fastest, so in the cloud every tick writes the line (the absence alert needs one per
 * tick); the local stack's timer ticks every RELAY_INTERVAL_MS (2 s), and an idle `npm start`
 * would otherwise print a line each time.
 */
export const IDLE_BACKLOG_LINE_MS = 50_000;

let lastLine = { at: -Infinity, pending: 0 };

/**
 * Logs the backlog line at INFO: whenever rows are pending or the count changed, and otherwise
 * once IDLE_BACKLOG_LINE_MS has passed since the last line.
 * @returns whether it logged
 */
export function logOutboxBacklog(backlog: OutboxBacklog, now = Date.now()): boolean {
  const idle = backlog.pending === 0 && lastLine.pending === 0;
  if (idle && now - lastLine.at < IDLE_BACKLOG_LINE_MS) return false;
  lastLine = { at: now, pending: backlog.pending };
  const { fields, message } = OUTBOX_BACKLOG_LOG;
  logger.info(
    {
      [fields.pending]: backlog.pending,
      [fields.oldestPendingSeconds]: backlog.oldestPendingSeconds,
    },
    message,
  );
  return true;
}
