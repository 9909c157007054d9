import { randomUUID } from 'node:crypto';
import { usePublisher } from '../../shared/events/publisher';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import { personData, request } from '../support/http';
import { capturedLogs, capturedLogText, clearCapturedLogs } from '../support/logs';
import { launchFunction } from '../support/launcher';

const CI_KEY = 'ci-key-0123456789abcdefghij';
const BARE_KEY = 'bare-key-9876543210zyxwvuts';

describeEachDatabase('authenticated writes', (leg) => {
  // With the access line on (LOG_REQUESTS), the one place a request's URL and User-Agent are logged.
  useTestDatabase(leg, { API_KEYS: `ci=${CI_KEY}, ${BARE_KEY}`, LOG_REQUESTS: 'true' });
  const base = useFunction('people');
  const stats = useFunction('stats');
  const health = useFunction('health');
  const broker = new RecordingPublisher();
  let existing: string;

  beforeAll(async () => {
    usePublisher(broker);
    const res = await request(`${base()}/people`, {
      method: 'POST',
      json: personData(),
      headers: { authorization: `Bearer ${CI_KEY}` },
    });
    existing = res.body.uuid;
  });

  // Every way of being refused (20 credentials on 14 write paths) is in security.test.ts.

  it('accepts each write with a right key, and names the key (never the key itself) as the actor', async () => {
    broker.published.length = 0;
    const auth = { authorization: `Bearer ${CI_KEY}` };
    const created = await request(`${base()}/people`, {
      method: 'POST',
      json: personData(),
      headers: auth,
    });
    expect(created.status).toBe(201);
    const updated = await request(`${base()}/people/${created.body.uuid}`, {
      method: 'PUT',
      json: { age: 23 },
      headers: { authorization: `bearer ${BARE_KEY}` },
    });
    expect(updated.status).toBe(200);
    expect(
      (await request(`${base()}/people/${created.body.uuid}`, { method: 'DELETE', headers: auth }))
        .status,
    ).toBe(204);
    await broker.settled();
    const actors = broker.events().map((e) => e.actor);
    expect(actors[0]).toBe('api-key:ci');
    expect(actors[1]).toMatch(/^api-key:sha256:[0-9a-f]{8}$/);
    expect(actors[2]).toBe('api-key:ci');
  });

  it('keeps reads public', async () => {
    expect((await request(`${base()}/people`)).status).toBe(200);
    expect((await request(`${base()}/people/${existing}`)).status).toBe(200);
    expect((await request(`${stats()}/stats`)).status).toBe(200);
  });

  it('never writes a key to the log, even one a client put where the access line logs it', async () => {
    clearCapturedLogs();
    await request(`${base()}/people`, {
      method: 'POST',
      json: personData(),
      headers: { authorization: `Bearer ${CI_KEY}` },
    });
    await request(`${base()}/people`, {
      method: 'POST',
      json: personData(),
      headers: { authorization: `Bearer ${BARE_KEY}oops` },
    });
    // A client's mistake: a key in the query string and the User-Agent, both on the access line.
    await request(`${base()}/people?key=${CI_KEY}`, {
      headers: { 'user-agent': `script/1.0 (${BARE_KEY})` },
    });
    // The three requests were logged (a log that says nothing would hide no key)...
    const lines = capturedLogs().filter((l) => l.httpRequest);
    expect(lines.map((l) => l.message)).toEqual([
      'POST /people 201',
      'POST /people 401',
      'GET /people 200',
    ]);
    expect((lines[2]!.httpRequest as Record<string, string>).requestUrl).toBe(
      '/people?key=[REDACTED]',
    );
    // ...and none of their text holds a key.
    const text = capturedLogText();
    expect(text).not.toContain(CI_KEY);
    expect(text).not.toContain(BARE_KEY);
  });

  it('answers an unknown id 401, not 404, without a key (nothing is revealed before authentication)', async () => {
    const res = await request(`${base()}/people/${randomUUID()}`, { method: 'DELETE' });
    expect(res.status).toBe(401);
  });

  it('leaves health open', async () => {
    expect((await request(`${health()}/health`)).status).toBe(200);
  });
});

describeEachDatabase('READ_REQUIRES_AUTH=true', (leg) => {
  useTestDatabase(leg, { API_KEYS: CI_KEY, READ_REQUIRES_AUTH: 'true' });
  const base = useFunction('people');
  const stats = useFunction('stats');
  const health = useFunction('health');

  it('refuses reads without a key and serves them with one; health stays open', async () => {
    expect((await request(`${base()}/people`)).status).toBe(401);
    expect((await request(`${stats()}/stats`)).status).toBe(401);
    expect(
      (await request(`${base()}/people`, { headers: { authorization: `Bearer ${CI_KEY}` } }))
        .status,
    ).toBe(200);
    expect((await request(`${health()}/health`)).status).toBe(200);
  });
});

describe('an instance in production', () => {
  it('refuses to start without API_KEYS, saying why', async () => {
    const fn = await launchFunction({
      name: 'people',
      source: 'functions/people/index.ts',
      env: {
        APP_ENV: 'production',
        API_KEYS: undefined,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
      },
      ready: 'spawned',
    });
    expect(await fn.exited).toBe(1);
    expect(fn.output()).toMatch(/API_KEYS is required when APP_ENV is production/);
  });
});
