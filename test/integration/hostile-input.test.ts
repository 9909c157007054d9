import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import escapeHtml from 'escape-html';
import type { Knex } from 'knex';
import { usePublisher } from '../../shared/events/publisher';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import {
  csvCases,
  eventCases,
  httpCases,
  type Acceptance,
  type CaseContext,
  type HostileCase,
  type Refusal,
} from '../support/hostile-cases';
import { leaksInternals, personData } from '../support/http';

/**
 * Issue 8: one table of hostile inputs (test/support/hostile-cases.ts), each case its own
 * test. A refused case must get its documented status (problem+json naming the field where
 * our code answers), show no stack trace or internal path, and leave every table exactly as
 * it was; an accepted case must store the value byte for byte, as data.
 */

const KEY = 'hostile-key-0123456789abcdef';
const TABLES = [
  'person',
  'outbox',
  'audit_log',
  'passenger_stats',
  'processed_event',
  'dead_letter',
] as const;
type Table = (typeof TABLES)[number];
type Snapshot = Record<Table, { rows: number; checksum: string }>;

/** Row count and an md5 of every row's text, per table. */
async function snapshot(db: Knex): Promise<Snapshot> {
  const entries = await Promise.all(
    TABLES.map(async (table) => {
      const { rows } = await db.raw(
        `SELECT count(*)::int AS rows,
                md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum
           FROM ${table} t`,
      );
      return [table, rows[0]] as const;
    }),
  );
  return Object.fromEntries(entries) as Snapshot;
}

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  body: any;
}

/** Sends a request byte for byte (node:http: no URL normalisation, any method, raw body). */
function send(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...headers,
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode!, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function isRefusal(expected: unknown): expected is Refusal {
  return typeof (expected as Refusal).status === 'number' && !('accept' in (expected as object));
}

/** What no answer may contain: a stack frame, a source path, a module path. */
function expectNoInternals(text: string): void {
  expect(leaksInternals(text)).toBe(false);
  expect(text).not.toMatch(/ {4}at |\/shared\/|\/functions\/|node_modules|\/work\//);
}

function expectRefusal(res: RawResponse, expected: Refusal): void {
  expect(res.status).toBe(expected.status);
  expectNoInternals(res.text);
  if (expected.problem === false) return;
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status: expected.status, title: expect.any(String) });
  if (expected.allow) expect(res.headers.allow).toBe(expected.allow);
  if (expected.detail) expect(res.body.detail).toMatch(expected.detail);
  if (expected.field) {
    expect(res.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          field: expected.field,
          ...(expected.code ? { code: expected.code } : {}),
          ...(expected.line ? { line: expected.line } : {}),
        }),
      ]),
    );
  }
}

describeEachDatabase('hostile input', (leg) => {
  const db = useTestDatabase(leg, { API_KEYS: `hostile=${KEY}` });
  const people = useFunction('people');
  const consumers = {
    'project-stats': useFunction('project-stats'),
    'audit-log': useFunction('audit-log'),
  };
  const broker = new RecordingPublisher();
  const ctx: CaseContext = { existing: '', cursor: '' };
  let restore: () => void;

  beforeAll(async () => {
    restore = usePublisher(broker);
    const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    for (const name of ['Mr. First', 'Mrs. Second']) {
      const res = await send(
        people(),
        'POST',
        '/people',
        auth,
        JSON.stringify(personData({ name })),
      );
      expect(res.status).toBe(201);
      ctx.existing ||= res.body.uuid;
    }
    const page = await send(people(), 'GET', '/people?limit=1', {});
    ctx.cursor = /cursor=([A-Za-z0-9_-]+)>/.exec(String(page.headers.link))![1]!;
    await broker.settled();
  });
  afterAll(() => restore());

  const namesStored = async (name: string) =>
    Number((await db()('person').where({ name }).count<{ n: string }[]>('* as n'))[0]!.n);

  async function checkAcceptance(
    res: RawResponse,
    accept: Acceptance,
    before: Record<string, number>,
  ): Promise<void> {
    expect([res.status, res.text]).toEqual([accept.status, expect.any(String)]);
    expectNoInternals(res.text);
    for (const name of accept.storedNames ?? []) {
      // Byte-exact in the database, and as data: each stored once more, nothing else changed.
      expect(await namesStored(name)).toBe(before[name]! + 1);
      const [row] = await db()('person')
        .where({ name })
        .select(db().raw("name, convert_to(name, 'UTF8') AS bytes"));
      expect(Buffer.from(row.bytes).equals(Buffer.from(name, 'utf8'))).toBe(true);
    }
    if (res.status === 201) {
      expect(res.body.name).toBe(accept.storedNames![0]);
      const back = await send(people(), 'GET', `/people/${res.body.uuid}`, {});
      expect(back.body.name).toBe(accept.storedNames![0]);
    }
    if (accept.check === 'html-escaped') {
      const name = accept.storedNames![0]!;
      const pages = [
        await send(people(), 'GET', `/people/${res.body.uuid}`, { accept: 'text/html' }),
        await send(people(), 'GET', '/people?limit=1000', { accept: 'text/html' }),
      ];
      for (const page of pages) {
        expect(page.status).toBe(200);
        expect(page.headers['content-type']).toMatch(/^text\/html/);
        expect(page.text).toContain(escapeHtml(name));
        expect(page.text).not.toContain(name);
        expect(page.text).not.toMatch(/<script|<img/i);
      }
    }
  }

  async function runHttp(c: Extract<HostileCase, { kind: 'http' | 'csv' }>): Promise<void> {
    let method: string;
    let path: string;
    let headers: Record<string, string>;
    let body: string | Buffer | undefined;
    if (c.kind === 'http') {
      method = c.request.method;
      path = typeof c.request.path === 'function' ? c.request.path(ctx) : c.request.path;
      headers = { ...c.request.headers };
      body = c.request.json !== undefined ? JSON.stringify(c.request.json) : c.request.body;
      if (c.request.json !== undefined) headers['content-type'] ??= 'application/json';
      if (!c.request.noKey && !['GET', 'HEAD', 'OPTIONS'].includes(method))
        headers.authorization = `Bearer ${KEY}`;
    } else {
      method = 'POST';
      path = `/people${c.query ?? ''}`;
      headers = {
        'content-type': 'text/csv',
        authorization: `Bearer ${KEY}`,
        ...c.headers,
      };
      body = c.csv;
    }
    const names = 'accept' in c.expect ? (c.expect.accept.storedNames ?? []) : [];
    const counts = Object.fromEntries(
      await Promise.all(names.map(async (n) => [n, await namesStored(n)] as const)),
    );
    await broker.settled();
    const before = await snapshot(db());
    const res = await send(people(), method, path, headers, body);
    await broker.settled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if ('accept' in c.expect) {
      await checkAcceptance(res, c.expect.accept, counts);
      if (c.kind === 'csv' && 'imported' in c.expect.accept) {
        expect(res.body).toMatchObject({ imported: c.expect.accept.imported, rejected: 0 });
        if (c.expect.accept.source) expect(res.body.source).toBe(c.expect.accept.source);
      }
    } else {
      expectRefusal(res, c.expect);
      expect(await snapshot(db())).toEqual(before);
    }
  }

  async function runEvent(c: Extract<HostileCase, { kind: 'event' }>): Promise<void> {
    const before = await snapshot(db());
    const payload = c.push();
    const res = await send(
      consumers[c.consumer](),
      'POST',
      '/projects/demo-manifest/topics/manifest-events',
      { 'content-type': c.contentType ?? 'application/json' },
      typeof payload === 'string' ? payload : JSON.stringify(payload),
    );
    expectNoInternals(res.text);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const after = await snapshot(db());
    const expected = c.expect;
    if ('deadLetter' in expected) {
      expect(res.status).toBeGreaterThanOrEqual(200);
      expect(res.status).toBeLessThan(300);
      const { dead_letter: deadBefore, ...othersBefore } = before;
      const { dead_letter: deadAfter, ...othersAfter } = after;
      expect(othersAfter).toEqual(othersBefore);
      expect(deadAfter.rows).toBe(deadBefore.rows + 1);
      const row = await db()('dead_letter').orderBy('id', 'desc').first();
      expect(row).toMatchObject({
        consumer: c.consumer,
        reason: expect.stringMatching(expected.deadLetter),
      });
    } else if ('applied' in expected) {
      expect(res.status).toBeLessThan(300);
      expect(after.processed_event.rows).toBe(before.processed_event.rows + 1);
      expect(after.dead_letter).toEqual(before.dead_letter);
      expect(after.person).toEqual(before.person);
      if (expected.auditActor) {
        expect(
          await db()('audit_log').where({ actor: expected.auditActor }).pluck('actor'),
        ).toEqual([expected.auditActor]);
        expect(after.audit_log.rows).toBe(before.audit_log.rows + 1);
      }
    } else {
      expect(res.status).toBe(expected.status);
      expect(after).toEqual(before);
    }
  }

  const cases = [...httpCases, ...csvCases, ...eventCases];

  it('has at least 50 cases, each with a unique name', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    expect(
      cases.every((c) => 'accept' in c.expect || !isRefusal(c.expect) || c.expect.status >= 400),
    ).toBe(true);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    if (c.kind === 'event') await runEvent(c);
    else await runHttp(c);
  });
});
