import { config } from '../config';
import { isDatabaseUnavailable, PendingMigrationsError, readyDatabase } from '../db';
import { OUTBOX_BACKLOG_SQL } from '../events/backlog';
import { logger } from '../logging';

/**
 * The health report: what a load balancer, the uptime check and an operator poll.
 * - `ok`: the database answers, its schema is current, no outbox row is pending past
 *   HEALTH_OUTBOX_MAX_AGE_SECONDS and no dead letter waits in `dead_letter`;
 * - `degraded`: it serves, but events are late (the outbox) or were given up on (dead letters);
 * - `unavailable`: it cannot serve (the database does not answer, or migrations are pending).
 */
export interface HealthReport {
  status: 'ok' | 'degraded' | 'unavailable';
  checks: {
    database: 'ok' | 'unavailable';
    migrations: 'current' | 'pending' | 'unknown';
    /** Absent unless the database answers with a current schema. */
    outbox?: { pending: number; oldestPendingSeconds: number; maxAgeSeconds: number };
    /** Dead letters of the table not yet replayed or discarded. */
    deadLetters?: { waiting: number };
  };
  /** What is wrong, in words, with what to do; absent when ok. */
  problems?: string[];
}

/**
 * The backlog and the dead letters waiting, in one statement: each reads only the rows it
 * counts, through a partial index (`outbox_pending`, `dead_letter_unresolved`), so a poll costs
 * as much as what is waiting, never the tables' history: with 100 000 sent outbox rows and
 * 20 000 resolved dead letters, EXPLAIN costs it 35, and 3 107 with the indexes unused.
 */
export const HEALTH_SQL = `SELECT backlog.pending, backlog.oldest,
  (SELECT count(*)::integer FROM dead_letter WHERE resolved_at IS NULL) AS dead_letters
  FROM (${OUTBOX_BACKLOG_SQL}) AS backlog`;

/** Checks the database, its schema, the outbox and the dead letters: one query once the schema was seen current. */
export async function checkHealth(): Promise<HealthReport> {
  let row: { pending: number; oldest: number; dead_letters: number };
  try {
    const db = await readyDatabase();
    ({
      rows: [row],
    } = await db.raw(HEALTH_SQL));
  } catch (error) {
    return unavailable(error);
  }
  const maxAgeSeconds = config().HEALTH_OUTBOX_MAX_AGE_SECONDS;
  const problems: string[] = [];
  if (row.oldest > maxAgeSeconds)
    problems.push(
      `${row.pending} outbox row(s) pending, the oldest for ${row.oldest} s (over ${maxAgeSeconds} s): events are not being published; see relay-outbox's warnings.`,
    );
  if (row.dead_letters > 0)
    problems.push(
      `${row.dead_letters} dead letter(s) wait in dead_letter: a consumer could not apply them; npm run dead-letter -- list.`,
    );
  return {
    status: problems.length > 0 ? 'degraded' : 'ok',
    checks: {
      database: 'ok',
      migrations: 'current',
      outbox: { pending: row.pending, oldestPendingSeconds: row.oldest, maxAgeSeconds },
      deadLetters: { waiting: row.dead_letters },
    },
    ...(problems.length > 0 ? { problems } : {}),
  };
}

function unavailable(error: unknown): HealthReport {
  if (error instanceof PendingMigrationsError) {
    return {
      status: 'unavailable',
      checks: { database: 'ok', migrations: 'pending' },
      problems: [error.message],
    };
  }
  const checks = { database: 'unavailable', migrations: 'unknown' } as const;
  if (isDatabaseUnavailable(error))
    return { status: 'unavailable', checks, problems: ['The database does not answer.'] };
  logger.error({ error }, 'health check failed');
  return { status: 'unavailable', checks, problems: ['The database check failed.'] };
}
