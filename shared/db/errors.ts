/**
 * Classifies errors from knex and the `pg` driver, so the HTTP layer can answer a database
 * outage with 503 and a constraint violation with 400, and never with a stack trace.
 */

interface DriverError {
  code?: string;
  constraint?: string;
  name?: string;
  message?: string;
}

// Socket-level failures: the server is unreachable, restarting or dropped us.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENOENT', // a Unix socket that is not there (the embedded server is down)
]);

/** True when the database could not be reached or is shutting down: retry later (503). */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as DriverError;
  if (!e || typeof e !== 'object') return false;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  // SQLSTATE class 08 (connection exception), 57P0x (admin/crash shutdown, cannot connect now),
  // 53300 (too many connections).
  if (e.code && (/^08/.test(e.code) || /^57P0[123]$/.test(e.code) || e.code === '53300'))
    return true;
  if (e.name === 'KnexTimeoutError') return true;
  const message = e.message ?? '';
  return (
    message.includes('Connection terminated') ||
    message.includes('timeout exceeded when trying to connect') ||
    message.includes('Client has encountered a connection error')
  );
}

/**
 * True for `28P01 invalid_password`: the server refused the password. A rotated password, most
 * often, that this instance has not read yet.
 */
export function isAuthenticationFailure(error: unknown): boolean {
  return (error as DriverError)?.code === '28P01';
}

/** The name of the CHECK, NOT NULL or foreign key constraint a write violated, if that is the error. */
export function violatedConstraint(error: unknown): string | undefined {
  const e = error as DriverError;
  if (e && typeof e === 'object' && typeof e.code === 'string' && e.code.startsWith('23')) {
    return e.constraint ?? e.code;
  }
  return undefined;
}

/**
 * True for SQLSTATE class 22, a data exception (a value out of range, text a type cannot take,
 * division by zero): the same data fails the same way every time, so retrying cannot help.
 */
export function isDataException(error: unknown): boolean {
  const code = (error as DriverError)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** True for `57014 query_canceled`, which is what statement_timeout raises. */
export function isStatementTimeout(error: unknown): boolean {
  return (error as DriverError)?.code === '57014';
}

/** True for `42P01 undefined_table`: the statement names a table that does not exist. */
export function isUndefinedTable(error: unknown): boolean {
  return (error as DriverError)?.code === '42P01';
}

/** True for a serialization failure or deadlock: the transaction may simply be run again. */
export function isTransactionConflict(error: unknown): boolean {
  const code = (error as DriverError)?.code;
  return code === '40001' || code === '40P01';
}

/**
 * Runs a transaction, running it again (up to `attempts` times, after a short random pause)
 * when it loses a serialization conflict or a deadlock to a concurrent one.
 */
export async function retryConflicts<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isTransactionConflict(error)) throw error;
      await new Promise((done) => setTimeout(done, 10 + Math.random() * 40 * attempt));
    }
  }
}
