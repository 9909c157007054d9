import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import escapeHtml from 'escape-html';
import { usePublisher } from '../../shared/events/publisher';
import { openApiDocument } from '../../shared/people/openapi';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { undeclared } from '../support/declared';
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
import { capturedLogText, clearCapturedLogs } from '../support/logs';
import { ROOT } from '../support/processes';
import { tableSnapshot } from '../support/snapshot';

/**
 * Issue 8: one table of hostile inputs (test/support/hostile-cases.ts), each case its own
 * test. A refused case must get its documented status (problem+json naming the field where
 * our code answers), show no stack trace or internal path, and leave every table exactly as
 * it was; an accepted case must store the value byte for byte, as data.
 */

const KEY = 'hostile-key-0123456789abcdef';
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
  expect(text).not.toMatch(/ {4}at |\/shared\/|\/functions\/|node_modules/);
  expect(text).not.toContain(ROOT);
}

/**
 * The statuses the OpenAPI document gives a request: those of its operation; 405 on a path it
 * describes without that method; 404 on a path it does not describe; 431 anywhere (the
 * document's description says each of these).
 */
function documentedStatuses(method: string, target: string): number[] {
  const path = target.split('?')[0]!;
  const paths = openApiDocument.paths as Record<string, Record<string, { responses?: object }>>;
  const matches = (template: string) =>
    new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(path);
  const template = Object.keys(paths).find((t) => t === path) ?? Object.keys(paths).find(matches);
  if (!template) return [404, 431];
  const operation = paths[template]![method.toLowerCase()];
  return [...(operation?.responses ? Object.keys(operation.responses).map(Number) : [405]), 431];
}

function expectRefusal(res: RawResponse, expected: Refusal, method: string, path: string): void {
  expect(res.status).toBe(expected.status);
  expect(documentedStatuses(method, path)).toContain(res.status);
  expect(undeclared(method, path, res.status, res.headers)).toEqual([]);
  expectNoInternals(res.text);
  // Not our answer: Node refuses before any code of ours runs, with no body at all.
  if (expected.problem === false) return expect(res.text).toBe('');
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

const cases = [...httpCases, ...csvCases, ...eventCases];

it('has its 102 hostile cases (57 HTTP, 18 CSV, 27 Pub/Sub), each with a unique name, every refusal a 4xx', () => {
  expect([httpCases.length, csvCases.length, eventCases.length]).toEqual([57, 18, 27]);
  const names = cases.map((c) => c.name);
  expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  for (const c of cases)
    if (!('accept' in c.expect) && isRefusal(c.expect))
      expect(c.expect.status).toBeGreaterThanOrEqual(400);
});

describeEachDatabase('hostile input', (leg) => {
  const db = useTestDatabase(leg, { API_KEYS: `hostile=${KEY}` });
  const people = useFunction('people');
  const consumers = {
    'project-stats': useFunction('project-stats'),
    'audit-log': useFunction('audit-log'),
  };
  const broker = new RecordingPublisher();
  const ctx: CaseContext = { existing: '', cursor: '' };

  beforeAll(async () => {
    usePublisher(broker);
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
      if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) headers.authorization = `Bearer ${KEY}`;
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
    const before = await tableSnapshot(db());
    const res = await send(people(), method, path, headers, body);
    await broker.settled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    if ('accept' in c.expect) {
      await checkAcceptance(res, c.expect.accept, counts);
      // Stored as data, and nothing more: the people, one event, no other table touched.
      const after = await tableSnapshot(db());
      const added =
        c.kind === 'csv' ? c.expect.accept.imported : (c.expect.accept.storedNames?.length ?? 0);
      expect(after.person.rows).toBe(before.person.rows + added);
      expect(after.outbox.rows).toBe(before.outbox.rows + 1);
      for (const table of [
        'audit_log',
        'passenger_stats',
        'processed_event',
        'dead_letter',
      ] as const)
        expect(after[table]).toEqual(before[table]);
      if (c.kind === 'csv' && 'imported' in c.expect.accept) {
        expect(res.body).toMatchObject({ imported: c.expect.accept.imported, rejected: 0 });
        if (c.expect.accept.source) expect(res.body.source).toBe(c.expect.accept.source);
      }
    } else {
      expectRefusal(res, c.expect, method, path);
      expect(await tableSnapshot(db())).toEqual(before);
    }
  }

  async function runEvent(c: Extract<HostileCase, { kind: 'event' }>): Promise<void> {
    const before = await tableSnapshot(db());
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
    const after = await tableSnapshot(db());
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
      expect(res.body.detail).toMatch(expected.detail);
      expect(after).toEqual(before);
    }
  }

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    clearCapturedLogs();
    if (c.kind === 'event') await runEvent(c);
    else await runHttp(c);
    // Hostile input is expected input: no stack trace in the logs either (an unexpected error
    // is logged with its stack, as an escaped "\n    at").
    expect(capturedLogText()).not.toMatch(/\\n\s+at /);
  });
});
