import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, Settings, settingNames } from '../../shared/config';
import { withSettingsTable } from '../../shared/config/docs';

describe('configuration', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      APP_ENV: 'development',
      PORT: 8080,
      DATA_DIR: '.data',
      DB_POOL_MAX: 5,
    });
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('coerces numbers and ignores unknown variables and empty values', () => {
    const config = loadConfig({ PORT: '9000', DB_POOL_MAX: '2', HOME: '/root', DATABASE_URL: '' });
    expect(config.PORT).toBe(9000);
    expect(config.DB_POOL_MAX).toBe(2);
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('reports every problem at once, naming each setting and the value it got', () => {
    expect(() => loadConfig({ PORT: 'abc', APP_ENV: 'prod', DB_POOL_MAX: '0' })).toThrow(
      new ConfigError([
        'APP_ENV must be one of development, testing, production, got "prod"',
        'PORT must be an integer, got "abc"',
        'DB_POOL_MAX must be at least 1, got "0"',
      ]),
    );
  });

  it('says what each kind of setting accepts: a boolean, a maximum, a pattern, a length', () => {
    expect(() =>
      loadConfig({
        EVENTS_TOPIC: 'ab',
        READ_REQUIRES_AUTH: 'maybe',
        DB_POOL_MAX: '101',
        CLOUD_SQL_INSTANCE: 'my-instance',
        SECRET_MANAGER_ENDPOINT: 'localhost',
      }),
    ).toThrow(
      new ConfigError([
        'CLOUD_SQL_INSTANCE must be PROJECT:REGION:INSTANCE, got "my-instance"',
        'DB_POOL_MAX must be at most 100, got "101"',
        'SECRET_MANAGER_ENDPOINT must be host:port, got "localhost"',
        'READ_REQUIRES_AUTH must be true or false, got "maybe"',
        'EVENTS_TOPIC must be at least 3 characters, got "ab"',
      ]),
    );
    expect(loadConfig({ READ_REQUIRES_AUTH: 'true', DB_POOL_MAX: '100' })).toMatchObject({
      READ_REQUIRES_AUTH: true,
      DB_POOL_MAX: 100,
    });
  });

  it('throws one ConfigError whose message lists the problems, separated by "; "', () => {
    let thrown: unknown;
    try {
      loadConfig({ PORT: 'abc', DB_POOL_MAX: '0' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toMatchObject({
      name: 'ConfigError',
      message:
        'Invalid configuration: PORT must be an integer, got "abc"; DB_POOL_MAX must be at least 1, got "0"',
      problems: ['PORT must be an integer, got "abc"', 'DB_POOL_MAX must be at least 1, got "0"'],
    });
  });

  // The problems name what a setting accepts from its schema keyword (load.ts, reason()). This
  // holds the schema to the keywords that have a message of their own, so no setting falls back
  // to ajv's wording or to a bare "is malformed".
  it('uses only the schema keywords whose problems it describes', () => {
    const allowed = [
      'default',
      'description',
      'type',
      'enum',
      'minimum',
      'maximum',
      'minLength',
      'pattern',
      'x-pattern-message',
      'x-secret',
    ];
    for (const name of settingNames) {
      const schema = Settings.properties[name] as unknown as Record<string, unknown>;
      expect([name, Object.keys(schema).filter((k) => !allowed.includes(k))]).toEqual([name, []]);
      expect([name, ['integer', 'boolean', 'string'].includes(schema.type as string)]).toEqual([
        name,
        true,
      ]);
      if ('pattern' in schema)
        expect([name, typeof schema['x-pattern-message']]).toEqual([name, 'string']);
    }
  });

  it('never quotes the value of a secret setting in a problem', () => {
    expect(() =>
      loadConfig({ API_KEYS: 'short-secret', DATABASE_PASSWORD: 'x', DB_POOL_MAX: 'many' }),
    ).toThrow(
      new ConfigError([
        'DB_POOL_MAX must be an integer, got "many"',
        'API_KEYS entry 1 is shorter than 16 characters',
      ]),
    );
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:pw@h/db', DATABASE_HOST: 'h' })).toThrow(
      /DATABASE_URL and DATABASE_HOST are set/,
    );
  });

  it('hides values resolved from Secret Manager too', () => {
    expect(() => loadConfig({ PORT: 'resolved-secret-value' }, new Set(['PORT']))).toThrow(
      'PORT must be an integer, got (hidden)',
    );
  });

  it('requires API keys and a real database in production', () => {
    expect(() => loadConfig({ APP_ENV: 'production' })).toThrow(
      new ConfigError([
        'API_KEYS is required when APP_ENV is production (writes must not be open)',
        'APP_ENV production needs DATABASE_URL, DATABASE_HOST or CLOUD_SQL_INSTANCE (the embedded database is for local use)',
      ]),
    );
    expect(
      loadConfig({
        APP_ENV: 'production',
        API_KEYS: 'k'.repeat(16),
        CLOUD_SQL_INSTANCE: 'p:europe-west1:db',
      }).APP_ENV,
    ).toBe('production');
  });

  it('checks the shape of API_KEYS entries', () => {
    expect(() => loadConfig({ API_KEYS: `a=${'k'.repeat(16)},a=${'j'.repeat(16)}` })).toThrow(
      /API_KEYS entry 2 repeats the label "a"/,
    );
    expect(() => loadConfig({ API_KEYS: `bad label=${'k'.repeat(16)}` })).toThrow(
      /API_KEYS entry 1 has a label/,
    );
  });

  it('describes every setting', () => {
    for (const name of settingNames) {
      expect(
        `${name}: ${(Settings.properties[name] as { description?: string }).description ?? ''}`,
      ).toMatch(/: \S/);
    }
  });

  it('has the README settings table generated from the schema (npm run docs:settings)', () => {
    const readme = readFileSync(resolve(__dirname, '../../README.md'), 'utf8');
    expect(readme).toBe(withSettingsTable(readme));
  });

  it('lists every setting in .env.example, and nothing else', () => {
    const example = readFileSync(resolve(__dirname, '../../.env.example'), 'utf8');
    const listed = [...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...settingNames].sort());
  });
});
