import { config, currentSetting, initConfig } from '../../shared/config';
import { connectionProvider } from '../../shared/db/knex';
import { logger } from '../../shared/logging';
import { resetInstance } from '../../shared/runtime/testing';
import { FakeSecretManager } from '../support/fake-secret-manager';
import { capturedLogs, capturedLogText, clearCapturedLogs } from '../support/logs';
import { launchFunction } from '../support/launcher';
import { freePort } from '../support/processes';

const PROJECT = 'demo-manifest';
const KEY_V1 = 'ci=first-key-0123456789abcdef';
const KEY_V2 = 'ci=second-key-0123456789abcdef';
const PASSWORD_V1 = 'db-password-version-one';
const PASSWORD_V2 = 'db-password-version-two';

/**
 * The TTL is read on the clock (Date), which these tests move forward by hand: only Date is
 * faked, and it keeps running (gRPC needs a clock that moves), so "the TTL has passed" is a
 * step, not a sleep. With a 60 s TTL, each half step leaves 30 s of margin to the real time
 * that passes meanwhile.
 */
function useClock(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
    now: Date.now(),
    advanceTimers: true,
  });
}
function passMs(ms: number): void {
  jest.setSystemTime(Date.now() + ms);
}

describe('the secret loader, with the real client against a local Secret Manager', () => {
  const fake = new FakeSecretManager();
  const saved = { ...process.env };

  beforeAll(async () => {
    await fake.start();
    fake.addVersion(PROJECT, 'api-keys', KEY_V1);
    fake.addVersion(PROJECT, 'db-password', PASSWORD_V1);
    fake.addVersion(PROJECT, 'db-password', PASSWORD_V2);
  });
  afterAll(async () => {
    process.env = saved;
    await resetInstance();
    await fake.stop();
  });
  afterEach(() => {
    jest.useRealTimers();
  });
  beforeEach(async () => {
    process.env = {
      ...saved,
      SECRET_MANAGER_ENDPOINT: fake.endpoint,
      GOOGLE_CLOUD_PROJECT: PROJECT,
    };
    delete process.env.DATABASE_URL;
    await resetInstance();
    clearCapturedLogs();
    fake.delayMs = 0;
    fake.holdUntilPending = 0;
  });

  it('resolves sm://NAME to the latest version, and a full reference to the version it pins', async () => {
    process.env.API_KEYS = 'sm://api-keys';
    process.env.DATABASE_PASSWORD = `sm://projects/${PROJECT}/secrets/db-password/versions/1`;
    process.env.DATABASE_HOST = '127.0.0.1';
    const loaded = await initConfig();
    expect(loaded.API_KEYS).toBe(KEY_V1);
    expect(loaded.DATABASE_PASSWORD).toBe(PASSWORD_V1);
    expect(config()).toBe(loaded);
  });

  it('reads every reference in parallel at cold start', async () => {
    fake.holdUntilPending = 2;
    fake.maxConcurrent = 0;
    process.env.API_KEYS = 'sm://api-keys';
    process.env.DATABASE_PASSWORD = 'sm://db-password';
    process.env.DATABASE_HOST = '127.0.0.1';
    await initConfig();
    expect(fake.maxConcurrent).toBe(2);
  });

  it('passes plain values through unchanged, without calling Secret Manager', async () => {
    const before = fake.requests.length;
    process.env.API_KEYS = KEY_V1;
    expect((await initConfig()).API_KEYS).toBe(KEY_V1);
    expect(fake.requests.length).toBe(before);
  });

  it('picks up a rotated secret after SECRET_TTL_SECONDS, without a restart', async () => {
    process.env.API_KEYS = 'sm://api-keys';
    process.env.SECRET_TTL_SECONDS = '60';
    useClock();
    await initConfig();
    const version = fake.addVersion(PROJECT, 'api-keys', KEY_V2);
    passMs(30_000);
    expect(await currentSetting('API_KEYS')).toBe(KEY_V1); // within the TTL: the cached value
    passMs(30_000);
    expect(await currentSetting('API_KEYS')).toBe(KEY_V2);
    expect(capturedLogs()).toContainEqual(
      expect.objectContaining({ message: 'secret rotated; new value in use', setting: 'API_KEYS' }),
    );
    expect(version).toBe(2);
  });

  it('gives new database connections the rotated password', async () => {
    process.env.DATABASE_HOST = '127.0.0.1';
    process.env.DATABASE_PASSWORD = 'sm://db-password';
    process.env.SECRET_TTL_SECONDS = '60';
    useClock();
    const provider = await connectionProvider(await initConfig());
    expect(provider.ttlMs).toBe(60_000);
    expect(await provider()).toMatchObject({ host: '127.0.0.1', password: PASSWORD_V2 });
    fake.addVersion(PROJECT, 'db-password', 'db-password-version-three');
    passMs(30_000);
    expect(await provider()).toMatchObject({ password: PASSWORD_V2 });
    passMs(30_000);
    expect(await provider()).toMatchObject({ password: 'db-password-version-three' });
  });

  it('keeps the last good value when a refresh fails, and warns', async () => {
    const flaky = new FakeSecretManager();
    await flaky.start();
    flaky.addVersion(PROJECT, 'api-keys', KEY_V1);
    process.env.SECRET_MANAGER_ENDPOINT = flaky.endpoint;
    process.env.API_KEYS = 'sm://api-keys';
    process.env.SECRET_TTL_SECONDS = '60';
    useClock();
    await initConfig();
    await flaky.stop();
    passMs(60_000);
    expect(await currentSetting('API_KEYS')).toBe(KEY_V1);
    expect(capturedLogs()).toContainEqual(
      expect.objectContaining({
        severity: 'WARNING',
        message: 'secret refresh failed; keeping the last good value',
        setting: 'API_KEYS',
        secret: 'sm://api-keys',
      }),
    );
  });

  it.each([
    [
      'a missing secret',
      () => 'sm://no-such-secret',
      /API_KEYS refers to secret sm:\/\/no-such-secret.*NOT_FOUND/,
    ],
    [
      'a version that does not exist',
      () => `sm://projects/${PROJECT}/secrets/api-keys/versions/99`,
      /NOT_FOUND/,
    ],
    [
      'permission denied',
      () => (fake.deny(PROJECT, 'forbidden'), 'sm://forbidden'),
      /API_KEYS refers to secret sm:\/\/forbidden.*PERMISSION_DENIED/,
    ],
  ])(
    'refuses to start on %s, naming the setting and the secret',
    async (_case, reference, message) => {
      process.env.API_KEYS = reference();
      await expect(initConfig()).rejects.toThrow(message);
    },
  );

  it('refuses to start when Secret Manager is down', async () => {
    process.env.SECRET_MANAGER_ENDPOINT = `127.0.0.1:${await freePort()}`;
    process.env.API_KEYS = 'sm://api-keys';
    await expect(initConfig()).rejects.toThrow(
      /Cannot start: setting API_KEYS refers to secret sm:\/\/api-keys, which could not be read \(UNAVAILABLE/,
    );
  });

  it('refuses a malformed reference with a clear message', async () => {
    process.env.API_KEYS = 'sm://projects/x/secrets/y';
    await expect(initConfig()).rejects.toThrow(/is not a secret reference: use sm:\/\/NAME/);
  });

  it('masks every resolved value in every log line, even inside an error', async () => {
    process.env.API_KEYS = 'sm://api-keys';
    process.env.DATABASE_PASSWORD = 'sm://db-password';
    process.env.DATABASE_HOST = '127.0.0.1';
    // The latest versions, whichever earlier tests added: the values this instance resolved.
    const loaded = await initConfig();
    const password = loaded.DATABASE_PASSWORD!;
    const key = loaded.API_KEYS!.slice(loaded.API_KEYS!.indexOf('=') + 1);
    logger.info({ attempt: `password=${password}` }, `connecting with ${password}`);
    logger.error({ error: new Error(`auth failed for ${key}`) }, 'oops');
    const text = capturedLogText();
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(password);
    expect(text).not.toContain(key);
  });

  it('stops an instance whose first load fails, naming the setting and the secret, never a value', async () => {
    const fn = await launchFunction({
      name: 'people',
      source: 'functions/people/index.ts',
      env: {
        SECRET_MANAGER_ENDPOINT: fake.endpoint,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        API_KEYS: 'sm://no-such-secret',
        DATABASE_PASSWORD: 'sm://db-password',
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      },
      ready: 'spawned',
    });
    expect(await fn.exited).toBe(1);
    expect(fn.output()).toMatch(/API_KEYS refers to secret sm:\/\/no-such-secret/);
    expect(fn.output()).not.toContain(PASSWORD_V2);
  });
});
