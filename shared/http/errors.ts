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
  /** zlib's code when the body does not inflate (Z_DATA_ERROR, Z_BUF_ERROR). */
  code?: string;
  /** The text body-parser tried to parse. */
  body?: unknown;
}

function isJsonScalar(text: unknown): boolean {
  if (typeof text !== 'string') return false;
  try {
    const value: unknown = JSON.parse(text);
    return value === null || typeof value !== 'object';
  } catch {
    return false;
  }
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
  // zlib's own error (Z_DATA_ERROR, ...): the body does not decode as its Content-Encoding says.
  if (error?.code?.startsWith('Z_')) {
    return new HttpProblem(
      400,
      `The body is not valid compressed data for its Content-Encoding (${error.message ?? error.code}).`,
    );
  }
  switch (error?.type) {
    case 'entity.parse.failed':
      // body-parser's strict mode refuses valid JSON that is not an object or an array (a bare
      // string, a number, null) with JSON.parse's wording: say what is wrong instead.
      if (isJsonScalar(error.body)) {
        return new HttpProblem(400, 'The body must be a JSON object.', {
          errors: [{ field: 'body', code: 'wrong-type', message: 'body must be an object' }],
        });
      }
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
