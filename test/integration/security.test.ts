import { createHash, randomUUID } from 'node:crypto';
import { createEvent } from '../../shared/events/envelope';
import { eventMessage } from '../../shared/events/message';
import { usePublisher } from '../../shared/events/publisher';
import { resetInstance } from '../../shared/runtime/testing';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { push, pushBody, RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import { HEADER } from '../support/hostile-cases';
import { leaksInternals, personData, request, type JsonResponse } from '../support/http';
import { capturedLogText, clearCapturedLogs } from '../support/logs';
import { tableSnapshot } from '../support/snapshot';

/**
 * Issue 8, the security half: (1) every write path refuses every credential that is not
 * exactly a configured key, in the one accepted form (`Authorization: Bearer <key>`), before
 * it looks at anything else, and changes nothing; (2) no secret value (API keys, the database
 * password, a password in DATABASE_URL) appears in any log line, response body or header, or
 * HTML page, on success or failure paths. auth.test.ts has the actor labels and the open
 * reads; this file is the exhaustive matrix and the scan. (The event functions' push endpoints
 * are not write paths of the API: in the cloud only Pub/Sub can call them, with an OIDC token
 * from the subscription's service account, which Terraform grants the invoker role alone.)
 */

const LABELLED_KEY = 'sec-ci-key-0123456789abcdefXYZ';
const BARE_KEY = 'sec-bare-key-9876543210zyxwvuts';
// Characters that need escaping in JSON and in URLs: the redaction must cover every form.
const DB_PASSWORD = 'db-Pa55"word/with:odd@chars\\1';
const URL_PASSWORD = 'url-pass-word-0123456789';
const SECRETS = [LABELLED_KEY, BARE_KEY, DB_PASSWORD, URL_PASSWORD];

/** Every form a secret could take in text: as is, JSON-escaped, URL-encoded, base64. */
function forms(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
    Buffer.from(secret).toString('base64'),
  ];
}

/**
 * Everything written to stdout, stderr or the console outside the logger (the framework's own
 * output); console output is kept, not printed.
 */
function captureStdio(): () => string {
  const written: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  beforeAll(() => {
    for (const [stream, original] of [
      [process.stdout, originals.out],
      [process.stderr, originals.err],
    ] as const) {
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        written.push(String(chunk));
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      }) as typeof stream.write;
    }
  });
  // functions-framework reports a thrown handler error with console.error (jest's console here).
  const terminal = globalThis.console as unknown as Record<string, (...args: unknown[]) => void>;
  const spies = ['log', 'info', 'warn', 'error', 'debug'].map((method) => ({
    method,
    original: terminal[method]!,
  }));
  beforeAll(() => {
    for (const { method } of spies)
      terminal[method] = (...args: unknown[]) => {
        written.push(args.map(String).join(' '));
      };
  });
  afterAll(() => {
    process.stdout.write = originals.out;
    process.stderr.write = originals.err;
    for (const { method, original } of spies) terminal[method] = original;
  });
  return () => written.join('');
}

/** Everything a client saw: status line, every header, the body. */
function seen(res: JsonResponse): string {
  const lines = [String(res.status)];
  res.headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  return [...lines, res.text].join('\n');
}

function expectNoSecret(where: string, text: string): void {
  for (const secret of SECRETS)
    for (const form of forms(secret)) expect([where, text.includes(form)]).toEqual([where, false]);
}

describeEachDatabase('security: every write path needs a valid key', (leg) => {
  const db = useTestDatabase(leg, { API_KEYS: `ci=${LABELLED_KEY}, ${BARE_KEY}` });
  const people = useFunction('people');
  const stats = useFunction('stats');
  const broker = new RecordingPublisher();
  let existing: string;

  beforeAll(async () => {
    usePublisher(broker);
    const res = await request(`${people()}/people`, {
      method: 'POST',
      json: personData(),
      headers: { authorization: `Bearer ${LABELLED_KEY}` },
    });
    expect(res.status).toBe(201);
    existing = res.body.uuid;
    await broker.settled();
  });

  type Write = {
    method: string;
    path: () => string;
    contentType?: string;
    body?: () => string;
  };
  const json = (value: unknown) => () => JSON.stringify(value);
  const writes: [string, Write][] = [
    [
      'POST /people',
      { method: 'POST', path: () => `${people()}/people`, body: json(personData()) },
    ],
    [
      'POST /people (text/csv import)',
      {
        method: 'POST',
        path: () => `${people()}/people`,
        contentType: 'text/csv',
        body: () => `${HEADER}\n0,3,Mr. Unkeyed,male,22,1,0,7.25\n`,
      },
    ],
    [
      'PUT /people/{uuid}',
      { method: 'PUT', path: () => `${people()}/people/${existing}`, body: json({ age: 99 }) },
    ],
    [
      'PATCH /people/{uuid}',
      { method: 'PATCH', path: () => `${people()}/people/${existing}`, body: json({ age: 99 }) },
    ],
    ['DELETE /people/{uuid}', { method: 'DELETE', path: () => `${people()}/people/${existing}` }],
    [
      'DELETE /people/{unknown uuid}',
      { method: 'DELETE', path: () => `${people()}/people/${randomUUID()}` },
    ],
    [
      'PUT /people (the collection)',
      { method: 'PUT', path: () => `${people()}/people`, body: json([personData()]) },
    ],
    [
      'PATCH /people (the collection)',
      { method: 'PATCH', path: () => `${people()}/people`, body: json(personData()) },
    ],
    ['DELETE /people (the collection)', { method: 'DELETE', path: () => `${people()}/people` }],
    [
      'POST / (the cloudfunctions.net mount)',
      { method: 'POST', path: () => `${people()}/`, body: json(personData()) },
    ],
    [
      'PUT /{uuid} (the cloudfunctions.net mount)',
      { method: 'PUT', path: () => `${people()}/${existing}`, body: json({ age: 99 }) },
    ],
    [
      'DELETE /{uuid} (the cloudfunctions.net mount)',
      { method: 'DELETE', path: () => `${people()}/${existing}` },
    ],
    [
      'POST /people/openapi.json',
      { method: 'POST', path: () => `${people()}/people/openapi.json`, body: json({}) },
    ],
    ['POST /stats', { method: 'POST', path: () => `${stats()}/stats`, body: json({}) }],
  ];

  const digest = createHash('sha256').update(LABELLED_KEY).digest('hex');
  const INVALID = 'Bearer realm="manifest", error="invalid_token"';
  const MISSING = 'Bearer realm="manifest"';
  // [case, the headers (and query) to send, the WWW-Authenticate challenge expected]
  const credentials: [string, () => { headers: Record<string, string>; query?: string }, string][] =
    [
      ['no credentials', () => ({ headers: {} }), MISSING],
      ['an empty Authorization header', () => ({ headers: { authorization: '' } }), MISSING],
      ['an empty bearer token', () => ({ headers: { authorization: 'Bearer ' } }), MISSING],
      ['a wrong key', () => ({ headers: { authorization: `Bearer ${randomUUID()}` } }), INVALID],
      [
        'the key in upper case',
        () => ({ headers: { authorization: `Bearer ${LABELLED_KEY.toUpperCase()}` } }),
        INVALID,
      ],
      [
        'the key in lower case',
        () => ({ headers: { authorization: `Bearer ${LABELLED_KEY.toLowerCase()}` } }),
        INVALID,
      ],
      [
        'a prefix of the key (last character cut)',
        () => ({ headers: { authorization: `Bearer ${LABELLED_KEY.slice(0, -1)}` } }),
        INVALID,
      ],
      [
        'a suffix of the key (first character cut)',
        () => ({ headers: { authorization: `Bearer ${BARE_KEY.slice(1)}` } }),
        INVALID,
      ],
      [
        'the key with a character appended',
        () => ({ headers: { authorization: `Bearer ${BARE_KEY}0` } }),
        INVALID,
      ],
      [
        'the label=key entry as the token',
        () => ({ headers: { authorization: `Bearer ci=${LABELLED_KEY}` } }),
        INVALID,
      ],
      ['the label as the token', () => ({ headers: { authorization: 'Bearer ci' } }), INVALID],
      [
        "the key's SHA-256 digest",
        () => ({ headers: { authorization: `Bearer ${digest}` } }),
        INVALID,
      ],
      [
        'two keys in one header',
        () => ({ headers: { authorization: `Bearer ${LABELLED_KEY}, Bearer ${BARE_KEY}` } }),
        MISSING,
      ],
      ['the key without a scheme', () => ({ headers: { authorization: LABELLED_KEY } }), MISSING],
      [
        'the key under another scheme (Token)',
        () => ({ headers: { authorization: `Token ${LABELLED_KEY}` } }),
        MISSING,
      ],
      [
        'the key as Basic credentials',
        () => ({
          headers: {
            authorization: `Basic ${Buffer.from(`ci:${LABELLED_KEY}`).toString('base64')}`,
          },
        }),
        MISSING,
      ],
      ['the key in X-API-Key', () => ({ headers: { 'x-api-key': LABELLED_KEY } }), MISSING],
      [
        'the key in Proxy-Authorization',
        () => ({ headers: { 'proxy-authorization': `Bearer ${LABELLED_KEY}` } }),
        MISSING,
      ],
      [
        'the key in a cookie',
        () => ({ headers: { cookie: `api_key=${LABELLED_KEY}; token=${LABELLED_KEY}` } }),
        MISSING,
      ],
      [
        'the key in the query string',
        () => ({ headers: {}, query: `?key=${LABELLED_KEY}&access_token=${LABELLED_KEY}` }),
        MISSING,
      ],
    ];

  describe.each(writes)('%s', (_name, write) => {
    it.each(credentials)(
      'refuses %s with 401 and changes nothing',
      async (_case, credential, challenge) => {
        await broker.settled();
        const before = await tableSnapshot(db());
        const published = broker.published.length;
        const { headers, query = '' } = credential();
        const res = await request(`${write.path()}${query}`, {
          method: write.method,
          headers: {
            ...(write.body ? { 'content-type': write.contentType ?? 'application/json' } : {}),
            ...headers,
          },
          body: write.body?.(),
        });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe(challenge);
        expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        // A refusal is an answer to a write too: never cached, and no sniffing.
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.body).toMatchObject({ status: 401, title: 'Unauthorized' });
        expect(leaksInternals(res.text)).toBe(false);
        expectNoSecret('response', seen(res));
        await broker.settled();
        expect(broker.published.length).toBe(published);
        expect(await tableSnapshot(db())).toEqual(before);
      },
    );
  });

  it('accepts the same writes with the key, so the refusals above are about the key alone', async () => {
    const auth = { authorization: `Bearer ${BARE_KEY}` };
    const created = await request(`${people()}/people`, {
      method: 'POST',
      json: personData(),
      headers: auth,
    });
    expect(created.status).toBe(201);
    const imported = await request(`${people()}/people`, {
      method: 'POST',
      body: `${HEADER}\n0,3,Mr. Keyed,male,22,1,0,7.25\n`,
      headers: { ...auth, 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(200);
    const updated = await request(`${people()}/people/${created.body.uuid}`, {
      method: 'PUT',
      json: { age: 99 },
      headers: auth,
    });
    expect(updated.status).toBe(200);
    // Past authentication, the other methods get their own answers.
    const patched = await request(`${people()}/people/${created.body.uuid}`, {
      method: 'PATCH',
      json: { age: 1 },
      headers: auth,
    });
    expect(patched.status).toBe(405);
    const deleted = await request(`${people()}/${created.body.uuid}`, {
      method: 'DELETE',
      headers: auth,
    });
    expect(deleted.status).toBe(204);
  });
});

describeEachDatabase('security: no secret in any log line, response or page', (leg) => {
  const stdio = captureStdio();
  const db = useTestDatabase(leg, {
    API_KEYS: `ci=${LABELLED_KEY},${BARE_KEY}`,
    DATABASE_PASSWORD: DB_PASSWORD,
    // Access lines are off by default (Cloud Run writes its own request log); they are the
    // lines most likely to carry a key from a URL or user agent, so this scan turns them on.
    LOG_REQUESTS: 'true',
  });
  const people = useFunction('people');
  const stats = useFunction('stats');
  const health = useFunction('health');
  const projectStats = useFunction('project-stats');
  const broker = new RecordingPublisher();
  const responses: JsonResponse[] = [];

  beforeAll(() => {
    usePublisher(broker);
    clearCapturedLogs();
  });

  const call = async (url: string, init: Parameters<typeof request>[1] = {}) => {
    const res = await request(url, init);
    responses.push(res);
    return res;
  };

  it('serves success and failure paths with secrets configured', async () => {
    const auth = { authorization: `Bearer ${LABELLED_KEY}` };
    const base = `${people()}/people`;
    // Success paths: writes, reads, HTML pages, an import, the read model, health.
    const created = await call(base, { method: 'POST', json: personData(), headers: auth });
    expect(created.status).toBe(201);
    const uuid = created.body.uuid as string;
    expect(
      (await call(`${base}/${uuid}`, { method: 'PUT', json: { age: 30 }, headers: auth })).status,
    ).toBe(200);
    expect((await call(`${base}?limit=1`)).status).toBe(200);
    expect((await call(`${base}/${uuid}`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await call(`${base}?limit=1000`, { headers: { accept: 'text/html' } })).status).toBe(
      200,
    );
    expect(
      (
        await call(base, {
          method: 'POST',
          body: `${HEADER}\n1,1,Mrs. Imported,female,38,1,0,71.2833\n`,
          headers: { ...auth, 'content-type': 'text/csv' },
        })
      ).status,
    ).toBe(200);
    expect((await call(`${stats()}/stats`)).status).toBe(200);
    expect((await call(`${stats()}/stats`, { headers: { accept: 'text/html' } })).status).toBe(200);
    expect((await call(`${health()}/health`)).status).toBe(200);
    expect((await call(`${base}/openapi.json`)).status).toBe(200);
    await broker.settled();
    for (const { message } of broker.published)
      expect((await push(projectStats(), pushBody(message))).status).toBeLessThan(300);

    // Failure paths: bad keys (a near miss of each key included), validation, JSON, 404, 405,
    // 406, 413, 415, a CSV row report, a poison message; the key in places it is not read.
    for (const authorization of [
      `Bearer ${LABELLED_KEY}x`,
      `Bearer ${BARE_KEY.slice(0, -1)}`,
      `Bearer ${LABELLED_KEY.toUpperCase()}`,
      `Basic ${Buffer.from(`ci:${LABELLED_KEY}`).toString('base64')}`,
    ])
      expect(
        (await call(base, { method: 'POST', json: personData(), headers: { authorization } }))
          .status,
      ).toBe(401);
    expect(
      (
        await call(`${base}?api_key=${encodeURIComponent(LABELLED_KEY)}`, {
          method: 'POST',
          json: personData(),
          headers: { 'user-agent': `agent ${BARE_KEY}`, 'x-api-key': LABELLED_KEY },
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await call(`${base}?limit=2&token=${encodeURIComponent(DB_PASSWORD)}`, {
          headers: { 'user-agent': `agent ${BARE_KEY}` },
        })
      ).status,
    ).toBe(200);
    const invalid = await call(base, {
      method: 'POST',
      json: personData({ name: LABELLED_KEY, age: -1, [BARE_KEY]: DB_PASSWORD }),
      headers: auth,
    });
    expect(invalid.status).toBe(400);
    expect(
      (
        await call(base, {
          method: 'POST',
          body: `{"name": "${BARE_KEY}`,
          headers: { ...auth, 'content-type': 'application/json' },
        })
      ).status,
    ).toBe(400);
    expect((await call(`${base}/${randomUUID()}`)).status).toBe(404);
    expect((await call(`${base}/${LABELLED_KEY}`)).status).toBe(400);
    expect((await call(`${base}?cursor=${LABELLED_KEY}`)).status).toBe(400);
    expect(
      (await call(`${base}/${uuid}`, { method: 'PATCH', json: {}, headers: auth })).status,
    ).toBe(405);
    expect((await call(base, { headers: { accept: 'image/png' } })).status).toBe(406);
    expect(
      (
        await call(base, {
          method: 'POST',
          body: LABELLED_KEY,
          headers: { ...auth, 'content-type': 'text/plain' },
        })
      ).status,
    ).toBe(415);
    expect(
      (
        await call(base, {
          method: 'POST',
          json: personData({ padding: `${LABELLED_KEY}${'x'.repeat(1024 * 1024)}` }),
          headers: auth,
        })
      ).status,
    ).toBe(413);
    const rowReport = await call(base, {
      method: 'POST',
      body: `${HEADER}\n0,3,${BARE_KEY},robot,${DB_PASSWORD.replace(/["]/g, '')},1,0,7.25\n`,
      headers: {
        ...auth,
        'content-type': 'text/csv',
        'content-disposition': `attachment; filename="${LABELLED_KEY}.csv"`,
      },
    });
    expect(rowReport.status).toBe(400);
    expect(
      (
        await push(
          projectStats(),
          pushBody({
            data: Buffer.from(`{"actor":"${BARE_KEY}"`),
            attributes: { id: LABELLED_KEY },
          }),
        )
      ).status,
    ).toBeLessThan(300);

    const logs = capturedLogText();
    // The scan below must have something to scan: the access lines and the 401s were logged.
    expect(logs).toMatch(/"POST \/people 401"/);
    expect(logs).toMatch(/"POST \/people 201"/);
    expect(logs).toMatch(/invalid message acknowledged/);
    // Where a client put a key into the URL or the user agent, the access line masks it.
    expect(logs).toContain('[REDACTED]');
    expectNoSecret('log lines', logs);
    expectNoSecret('stdout and stderr', stdio());
    for (const res of responses) expectNoSecret(`response ${res.status}`, seen(res));
    // Secrets the client itself sent are masked in error responses too (defence in depth).
    expect(invalid.text).toContain('[REDACTED]');
    expect(await db()('person').where({ name: LABELLED_KEY }).first()).toBeUndefined();
  });
});

describe('security: no secret when the database is unreachable', () => {
  const stdio = captureStdio();
  const saved = { ...process.env };
  const people = useFunction('people');
  const health = useFunction('health');
  const projectStats = useFunction('project-stats');
  const responses: JsonResponse[] = [];

  beforeAll(async () => {
    process.env.DATABASE_URL = `postgres://manifest:${encodeURIComponent(URL_PASSWORD)}@127.0.0.1:1/nowhere`;
    process.env.API_KEYS = `ci=${LABELLED_KEY},${BARE_KEY}`;
    process.env.DB_CONNECT_TIMEOUT_MS = '500';
    delete process.env.DATABASE_PASSWORD;
    await resetInstance();
    clearCapturedLogs();
  });
  afterAll(async () => {
    process.env = saved;
    await resetInstance();
  });

  it('answers 503s and logs the failure, masking the password and the keys', async () => {
    const auth = { authorization: `Bearer ${LABELLED_KEY}` };
    const base = `${people()}/people`;
    const record = (res: JsonResponse) => {
      responses.push(res);
      return res;
    };
    expect(record(await request(base)).status).toBe(503);
    expect(record(await request(base, { headers: { accept: 'text/html' } })).status).toBe(503);
    expect(
      record(await request(base, { method: 'POST', json: personData(), headers: auth })).status,
    ).toBe(503);
    expect(
      record(
        await request(base, {
          method: 'POST',
          body: `${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n`,
          headers: { ...auth, 'content-type': 'text/csv' },
        }),
      ).status,
    ).toBe(503);
    expect(record(await request(`${health()}/health`)).status).toBe(503);
    const event = createEvent('person.created', {
      subject: randomUUID(),
      actor: 't',
      data: { ...personData(), uuid: randomUUID() } as never,
    });
    expect(
      record(await push(projectStats(), pushBody(eventMessage(event, '')))).status,
    ).toBeGreaterThanOrEqual(500);

    const logs = capturedLogText();
    expect(logs).toMatch(/database unavailable|delivery failed/);
    expect(stdio()).toContain('project-stats: delivery failed, Pub/Sub will redeliver');
    expectNoSecret('log lines', logs);
    expectNoSecret('stdout and stderr', stdio());
    for (const res of responses) {
      expectNoSecret(`response ${res.status}`, seen(res));
      expect(leaksInternals(res.text)).toBe(false);
    }
  });
});
