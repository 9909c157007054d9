/**
 * How log lines are written: `json`, the structured line Cloud Logging reads (logger.ts), or
 * `pretty`, one coloured line per entry for a person at a terminal, made by pino-pretty from
 * that same JSON line (after redaction), so the two formats cannot say different things.
 */
export type LogFormat = 'json' | 'pretty';

/**
 * The format when LOG_FORMAT does not choose: pretty only for a developer's terminal (the
 * development environment, stdout a TTY, not on Cloud Run, which sets K_SERVICE); JSON
 * everywhere else, which is what the cloud, CI and every piped or captured output get.
 */
export function defaultLogFormat(options: {
  appEnv: string;
  stdoutIsTTY: boolean;
  onCloudRun: boolean;
}): LogFormat {
  return options.appEnv === 'development' && options.stdoutIsTTY && !options.onCloudRun
    ? 'pretty'
    : 'json';
}

/**
 * The fields the pretty line shows in its own places (or not at all), not as key fields
 * (time, severity and message are pino-pretty's own: it never repeats them).
 */
const SHOWN_APART = [
  'function',
  'consumer',
  // Dots in a key are escaped: pino-pretty reads an unescaped dot as a nested path.
  'logging\\.googleapis\\.com/trace',
  'logging\\.googleapis\\.com/spanId',
  'logging\\.googleapis\\.com/trace_sampled',
  // An access line's message is already "GET /people 200": keep only its latency.
  'httpRequest.requestMethod',
  'httpRequest.requestUrl',
  'httpRequest.status',
  'httpRequest.responseSize',
  'httpRequest.userAgent',
  'httpRequest.remoteIp',
];

/** Cloud Logging's severities, in pino's numbering, and their colours. */
const SEVERITIES = 'debug:20,info:30,warning:40,error:50,critical:60';
const COLOURS = 'debug:gray,info:green,warning:yellow,error:red,critical:magenta';

/**
 * A function turning one JSON log line into one pretty line: time, severity, the function
 * (or consumer) it comes from, the message, then the key fields (an error's stack follows on
 * its own lines). Loaded on demand: pino-pretty
 * is a local tool, kept out of the deployed bundles (scripts/build.ts).
 * @returns the formatter, or undefined when pino-pretty is not installed (a deployed bundle)
 */
export function prettyLines(colorize: boolean): ((line: string) => string) | undefined {
  let prettyFactory: typeof import('pino-pretty').prettyFactory;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ({ prettyFactory } = require('pino-pretty') as typeof import('pino-pretty'));
  } catch {
    return undefined;
  }
  const pretty = prettyFactory({
    colorize,
    singleLine: true,
    levelKey: 'severity',
    customLevels: SEVERITIES,
    customColors: COLOURS,
    useOnlyCustomProps: true,
    messageKey: 'message',
    timestampKey: 'time',
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: SHOWN_APART.join(','),
    messageFormat: (log, messageKey, _level, extras) => {
      const source = log.function ?? log.consumer;
      const message = String(log[messageKey] ?? '');
      return source ? `${extras.colors.blue(`[${String(source)}]`)} ${message}` : message;
    },
  });
  return (line) => pretty(line);
}
