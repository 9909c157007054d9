import { execFileSync } from 'node:child_process';
import { defaultLogFormat } from '../../shared/logging';
import { startChild, TSX } from '../support/processes';

/**
 * The log's two formats, from a separate process as a developer or Cloud Run sees it:
 * LOG_FORMAT=pretty gives one readable line per entry (time, severity, function, message, key
 * fields) with secrets still masked; json gives Cloud Logging's lines; unset, a terminal in
 * development gets pretty and anything else JSON.
 */
const KEY = 'pretty-secret-key-0123456789';
const BASE = { API_KEYS: `dev=${KEY}`, APP_ENV: 'development', K_SERVICE: undefined };

async function linesOf(env: Record<string, string | undefined>): Promise<string[]> {
  const child = startChild(TSX, ['test/support/fixtures/log-lines.ts'], { ...BASE, ...env });
  expect(await child.exited).toBe(0);
  return child.output().split('\n').filter(Boolean);
}

/** The fixture run on a pseudo-terminal (util-linux `script`), as `npm start` in a terminal. */
function linesOnTerminal(env: Record<string, string>): string[] {
  const assignments = Object.entries({ ...BASE, ...env, NO_COLOR: '1' })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}='${v}'`);
  const output = execFileSync(
    'script',
    [
      '-qec',
      `env -u K_SERVICE -u LOG_FORMAT ${assignments.join(' ')} ${TSX} test/support/fixtures/log-lines.ts`,
      '/dev/null',
    ],
    { encoding: 'utf8', cwd: `${__dirname}/../..` },
  );
  return output.split(/\r?\n/).filter(Boolean);
}

const TIME = String.raw`\[\d\d:\d\d:\d\d\.\d{3}\]`;

describe('LOG_FORMAT=pretty', () => {
  it('writes one readable line per entry: time, severity, function, message, key fields; secrets masked', async () => {
    const lines = await linesOf({ LOG_FORMAT: 'pretty', NO_COLOR: '1' });
    const [request, retry, failure] = [
      lines.find((l) => l.includes('request with key')),
      lines.find((l) => l.includes('push not acknowledged')),
      lines.find((l) => l.includes('delivery failed')),
    ];
    expect(request).toMatch(
      new RegExp(
        `^${TIME} INFO: \\[people\\] request with key \\[REDACTED\\] \\{"passengerClass":3,"key":"\\[REDACTED\\]"\\}$`,
      ),
    );
    expect(retry).toMatch(
      new RegExp(
        `^${TIME} WARNING: \\[audit-log\\] push not acknowledged; will retry \\{"attempt":2\\}$`,
      ),
    );
    expect(failure).toMatch(new RegExp(`^${TIME} ERROR: delivery failed`));
    expect(lines.join('\n')).not.toContain(KEY);
    expect(lines.join('\n')).toContain('failed with [REDACTED]');
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  });

  it('colours the severity (ANSI) when colour is on', async () => {
    const lines = await linesOf({ LOG_FORMAT: 'pretty', FORCE_COLOR: '1', NO_COLOR: undefined });
    expect(lines.find((l) => l.includes('push not acknowledged'))).toContain(
      '\u001b[33mWARNING\u001b[39m',
    );
  });
});

describe('LOG_FORMAT=json', () => {
  it("writes Cloud Logging's structured lines, each parseable, secrets masked", async () => {
    const lines = await linesOf({ LOG_FORMAT: 'json' });
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(entries.find((e) => e.message === 'request with key [REDACTED]')).toMatchObject({
      severity: 'INFO',
      function: 'people',
      passengerClass: 3,
      key: '[REDACTED]',
    });
    expect(lines.join('\n')).not.toContain(KEY);
  });
});

describe('LOG_FORMAT unset', () => {
  it('is pretty on a terminal in development', () => {
    const lines = linesOnTerminal({});
    expect(lines.find((l) => l.includes('push not acknowledged'))).toMatch(
      new RegExp(`^${TIME} WARNING: \\[audit-log\\]`),
    );
  });

  it('is JSON on a terminal on Cloud Run (K_SERVICE set)', () => {
    const lines = linesOnTerminal({ K_SERVICE: 'people' });
    expect(JSON.parse(lines.find((l) => l.includes('push not acknowledged'))!)).toMatchObject({
      severity: 'WARNING',
      consumer: 'audit-log',
    });
  });

  it('is JSON when the output is not a terminal (a pipe: CI, a log collector)', async () => {
    const lines = await linesOf({ LOG_FORMAT: undefined });
    expect(lines.map((l) => JSON.parse(l).severity)).toEqual(['INFO', 'WARNING', 'ERROR']);
  });

  it.each([
    [{ appEnv: 'development', stdoutIsTTY: true, onCloudRun: false }, 'pretty'],
    [{ appEnv: 'testing', stdoutIsTTY: true, onCloudRun: false }, 'json'],
    [{ appEnv: 'production', stdoutIsTTY: true, onCloudRun: false }, 'json'],
    [{ appEnv: 'development', stdoutIsTTY: false, onCloudRun: false }, 'json'],
    [{ appEnv: 'development', stdoutIsTTY: true, onCloudRun: true }, 'json'],
  ])('defaultLogFormat(%o) is %s', (options, format) => {
    expect(defaultLogFormat(options)).toBe(format);
  });
});
