import express, { type Request, type Response } from 'express';
import { isDatabaseUnavailable, PendingMigrationsError, readyDatabase } from '../db';
import { methodNotAllowed } from '../http/app';
import { logger } from '../logging';

/** The health report: what a load balancer or an operator polls. */
export interface HealthReport {
  database: 'ok' | 'unavailable';
  migrations: 'current' | 'pending' | 'unknown';
  /** What is wrong, in words; absent when healthy. */
  problems?: string[];
}

/**
 * Checks the database answers and its schema is current. Cheap enough to poll every few
 * seconds: one `SELECT 1` once the schema has been seen current.
 */
export async function checkHealth(): Promise<HealthReport> {
  try {
    const db = await readyDatabase();
    await db.raw('SELECT 1');
    return { database: 'ok', migrations: 'current' };
  } catch (error) {
    if (error instanceof PendingMigrationsError) {
      return { database: 'ok', migrations: 'pending', problems: [error.message] };
    }
    if (isDatabaseUnavailable(error)) {
      return {
        database: 'unavailable',
        migrations: 'unknown',
        problems: ['The database does not answer.'],
      };
    }
    logger.error({ error }, 'health check failed');
    return {
      database: 'unavailable',
      migrations: 'unknown',
      problems: ['The database check failed.'],
    };
  }
}

/** `GET /health`: 200 with the report when healthy, 503 naming what is wrong otherwise. */
export function healthRoutes(): express.Router {
  const router = express.Router();
  router
    .route('/')
    .get(async (_req: Request, res: Response) => {
      const report = await checkHealth();
      res
        .status(report.problems ? 503 : 200)
        .setHeader('Cache-Control', 'no-store')
        .json(report);
    })
    .all(methodNotAllowed(['GET', 'HEAD']));
  return router;
}
