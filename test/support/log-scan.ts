/** What a process logged: every line counted by severity, the worrying ones kept. */
export interface LogScan {
  lines: number;
  bySeverity: Record<string, number>;
  /** Lines at ERROR or above (pino level 50+), the first 20. */
  errors: string[];
  /** Lines that speak of pool exhaustion or a connection wait timing out, the first 20. */
  poolErrors: string[];
  errorCount: number;
  poolErrorCount: number;
}

const ERROR_SEVERITIES = new Set(['ERROR', 'CRITICAL', 'ALERT', 'EMERGENCY']);
/** knex's KnexTimeoutError ("Timeout acquiring a connection. The pool is probably full..."), pg's own. */
const POOL_TROUBLE =
  /KnexTimeoutError|Timeout acquiring a connection|pool is probably full|timeout exceeded when trying to connect|too many clients|database unavailable/i;

/**
 * A scan that reads a process's output one line at a time: `add` takes each line, `scan` is
 * the running tally. Nothing but the first 20 worrying lines is kept, so a load test's tens of
 * thousands of request logs cost no memory.
 */
export function logScanner(): { scan: LogScan; add(line: string): void } {
  const scan: LogScan = {
    lines: 0,
    bySeverity: {},
    errors: [],
    poolErrors: [],
    errorCount: 0,
    poolErrorCount: 0,
  };
  const add = (line: string) => {
    if (!line.trim()) return;
    scan.lines++;
    // A regex, not JSON.parse: tens of thousands of lines, read in the process that shares two
    // cores with the function under load. Unstructured lines (the framework's start-up text, a
    // crash's stack) count as TEXT.
    const severity = line.startsWith('{')
      ? (/"severity":"(\w+)"/.exec(line)?.[1] ?? 'DEFAULT')
      : 'TEXT';
    scan.bySeverity[severity] = (scan.bySeverity[severity] ?? 0) + 1;
    if (ERROR_SEVERITIES.has(severity)) {
      scan.errorCount++;
      if (scan.errors.length < 20) scan.errors.push(line.slice(0, 2000));
    }
    if (POOL_TROUBLE.test(line)) {
      scan.poolErrorCount++;
      if (scan.poolErrors.length < 20) scan.poolErrors.push(line.slice(0, 2000));
    }
  };
  return { scan, add };
}
