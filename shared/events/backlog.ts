import type { Knex } from 'knex';
import { logger } from '../logging';

/**
 * The outbox's backlog, as relay-outbox logs it on every tick. Cloud Monitoring reads the line:
 * two log-based metrics extract its fields, and alerts watch them (the oldest row's age; the
 * line's absence, which means the relay stopped). Terraform restates the message and the field
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
  const row = (await db('outbox')
    .whereNull('sent_at')
    .first(
      db.raw('count(*)::integer AS pending'),
      db.raw('coalesce(floor(extract(epoch FROM now() - min(created_at))), 0)::integer AS oldest'),
    )) as { pending: number; oldest: number };
  return { pending: row.pending, oldestPendingSeconds: row.oldest };
}

/** Logs the backlog line at INFO on every tick, an empty outbox too: a missing line means no tick. */
export function logOutboxBacklog(backlog: OutboxBacklog): void {
  const { fields, message } = OUTBOX_BACKLOG_LOG;
  logger.info(
    {
      [fields.pending]: backlog.pending,
      [fields.oldestPendingSeconds]: backlog.oldestPendingSeconds,
    },
    message,
  );
}
