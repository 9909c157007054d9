import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { prettyLines, type LogFormat } from './format';
import { redact } from './redaction';

/**
 * Structured JSON logs in the shape Cloud Logging reads from stdout:
 * `severity`, `message`, `time`, and the request's trace under
 * `logging.googleapis.com/trace`, so every line of one request groups together.
 * https://cloud.google.com/logging/docs/structured-logging#special-payload-fields
 */

/** Fields every log line of one request (or one event delivery) carries. */
export interface LogContext {
  /** `projects/<project>/traces/<32 hex>` */
  trace?: string;
  spanId?: string;
  traceSampled?: boolean;
  /** Extra fields, e.g. `eventId`. */
  labels?: Record<string, string>;
}

const contextStorage = new AsyncLocalStorage<LogContext>();

const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * Where log lines go. Tests point it at a buffer (setLogSink, in test/support/quiet-logs.ts);
 * resetInstance() of the testing entry point (shared/runtime/testing.ts) leaves it alone: the
 * target belongs to the test run, not to the instance.
 */
const sink = {
  target: process.stdout as { write(line: string): unknown },
  /** Turns each (already redacted) JSON line into the pretty one, in the `pretty` format. */
  pretty: undefined as ((line: string) => string) | undefined,
};

export const logger = pino(
  {
    level: 'info',
    messageKey: 'message',
    errorKey: 'error',
    base: undefined,
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT' }),
    },
    mixin: () => logContextFields(contextStorage.getStore()),
    // Last stop before a line leaves the process: any registered secret value is masked,
    // whether it came in a message, a field or an error's stack.
    hooks: { streamWrite: redact },
  },
  { write: (line: string) => sink.target.write(sink.pretty ? sink.pretty(line) : line) },
);

/**
 * Writes every following line in `format` (see format.ts). `pretty` colours the line when
 * `colorize`; where pino-pretty is not installed (a deployed bundle) the lines stay JSON.
 * @returns the format in effect
 */
export function setLogFormat(format: LogFormat, colorize = false): LogFormat {
  sink.pretty = format === 'pretty' ? prettyLines(colorize) : undefined;
  if (format === 'pretty' && !sink.pretty)
    logger.warn('LOG_FORMAT=pretty, but pino-pretty is not installed here: logging JSON');
  return sink.pretty ? 'pretty' : 'json';
}

/** True when lines go to the process's stdout and that is a terminal. */
export function logsToTerminal(): boolean {
  return sink.target === process.stdout && process.stdout.isTTY === true;
}

/** The log fields a context adds to a line (what the mixin adds inside `withLogContext`). */
export function logContextFields(context: LogContext | undefined): Record<string, unknown> {
  if (!context) return {};
  const fields: Record<string, unknown> = { ...context.labels };
  if (context.trace) fields['logging.googleapis.com/trace'] = context.trace;
  if (context.spanId) fields['logging.googleapis.com/spanId'] = context.spanId;
  if (context.traceSampled !== undefined)
    fields['logging.googleapis.com/trace_sampled'] = context.traceSampled;
  return fields;
}

/** Runs `fn` so that every line it logs (however deep) carries `context`. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return contextStorage.run(context, fn);
}

/** The context of the request or delivery being handled, if any. */
export function currentLogContext(): LogContext | undefined {
  return contextStorage.getStore();
}

/** Points the log at another writer; returns a function that restores the previous one. */
export function setLogSink(target: { write(line: string): unknown }): () => void {
  const previous = sink.target;
  sink.target = target;
  return () => {
    sink.target = previous;
  };
}
