import { PendingMigrationsError } from '../db';
import { isDatabaseUnavailable, isStatementTimeout, violatedConstraint } from '../db/errors';
import { logger } from '../logging';
import { HttpProblem } from './problem';

/** Seconds a client should wait before retrying while the database is away. */
export const RETRY_AFTER_SECONDS = 5;

/** Errors raised by body-parser (inside functions-framework) carry a `type` like this. */
interface BodyParserError {
  type?: string;
  status?: number;
  message?: string;
  limit?: number;
}

/**
 * Turns anything thrown while handling a request into the problem to answer with.
 * Expected failures map to their 4xx/503; anything else is logged with its stack and
 * answered with a plain 500 that reveals nothing about the code.
 */
export function toHttpProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof PendingMigrationsError) {
    return new HttpProblem(503, error.message, {
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
  }
  if (isDatabaseUnavailable(error) || isStatementTimeout(error)) {
    logger.warn({ error: describe(error) }, 'database unavailable');
    return new HttpProblem(503, 'The database is unavailable; retry shortly.', {
      headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    });
  }
  const constraint = violatedConstraint(error);
  if (constraint) {
    return new HttpProblem(400, `The data breaks the database rule "${constraint}".`);
  }
  const fromBodyParser = bodyParserProblem(error as BodyParserError);
  if (fromBodyParser) return fromBodyParser;
  logger.error({ error }, 'unexpected error while handling a request');
  return new HttpProblem(500, 'An unexpected error occurred. It has been logged.');
}

function bodyParserProblem(error: BodyParserError): HttpProblem | undefined {
  switch (error?.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, `The body is not valid JSON: ${error.message ?? 'parse error'}.`);
    case 'entity.too.large':
      return new HttpProblem(413, 'The body is too large.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, `Unsupported body encoding: ${error.message ?? ''}.`);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpProblem(400, 'The request body could not be read.');
    default:
      return typeof error?.status === 'number' && error.status >= 400 && error.status < 500
        ? new HttpProblem(error.status, error.message ?? 'Bad request.')
        : undefined;
  }
}

function describe(error: unknown): string {
  const e = error as { code?: string; message?: string };
  return [e?.code, e?.message].filter(Boolean).join(': ');
}
