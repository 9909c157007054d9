import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { allowedMethods } from '../../shared/http/routes';
import { peopleRoutes } from '../../shared/people/http';
import { openApiDocument } from '../../shared/people/openapi';
import { OPENAPI_METHODS } from '../../shared/people/paths';
import { resetInstance } from '../../shared/runtime/testing';
import { databaseLegs, useTestDatabase } from '../support/database-legs';
import { undeclared } from '../support/declared';
import { useFunction } from '../support/functions';
import { personData } from '../support/http';
import { HEADER } from '../support/hostile-cases';

/**
 * Issue 17: the OpenAPI document declares every status and header the people function can
 * send for each operation. Not from a list written here: the operations come from the router,
 * and the statuses and headers from the function's own answers to a corpus of requests that
 * reaches each way it answers (the HTTP layer's refusals, each route's, and 503 with the
 * database away). Every answer is then looked up in the document.
 */

const KEY = 'coverage-key-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const json = { 'content-type': 'application/json' };
const csv = { ...auth, 'content-type': 'text/csv' };

interface Answer {
  method: string;
  target: string;
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Sends a request as is (node:http: any method, TRACE too, and headers fetch would refuse). */
function send(
  base: string,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path: target, headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ method, target, status: res.statusCode!, headers: res.headers, text }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const paths = openApiDocument.paths as unknown as Record<string, Record<string, unknown>>;

describe("the document's operations are the router's", () => {
  it('each route answers its methods (GET bringing HEAD) and 405 to the rest; the document declares the same, each other method OpenAPI names as a 405', () => {
    const routes = new Map<string, { methods: string[] }>();
    for (const [route, handlers] of Object.entries(peopleRoutes())) {
      const path = `/people${route === '/' ? '' : route.replace(/:(\w+)/g, '{$1}')}`;
      routes.set(path, { methods: allowedMethods(handlers).map((m) => m.toLowerCase()) });
    }
    expect([...routes.keys()].sort()).toEqual(Object.keys(paths).sort());
    for (const [path, route] of routes) {
      const item = paths[path] as Record<string, { responses: Record<string, unknown> }>;
      const declared = OPENAPI_METHODS.filter((m) => item[m] && !item[m].responses['405']);
      const refused = OPENAPI_METHODS.filter((m) => item[m]?.responses['405']);
      expect([path, [...declared].sort()]).toEqual([path, [...route.methods].sort()]);
      expect([path, refused]).toEqual([
        path,
        OPENAPI_METHODS.filter((m) => !route.methods.includes(m)),
      ]);
    }
  });
});

const [pglite] = databaseLegs;

/** Every answer, with what the document does not declare of it. */
function expectDeclared(answers: Answer[]): void {
  const problems = answers.flatMap((a) => undeclared(a.method, a.target, a.status, a.headers));
  expect(problems).toEqual([]);
}

const statusesOf = (answers: Answer[]) =>
  [...new Set(answers.map((a) => a.status))].sort((a, b) => a - b);

describe('every answer of the people function is declared: status and headers', () => {
  useTestDatabase(pglite!, { API_KEYS: `coverage=${KEY}` });
  const people = useFunction('people');

  it('for every method on every path, with and without a key, a body or an Accept it cannot serve, and headers over 16 KiB', async () => {
    const created = await send(people(), 'POST', '/people', { ...auth, ...json }, body());
    const targets = ['/people', '/people/openapi.json', `/people/${uuidOf(created)}`];
    const answers: Answer[] = [created];
    for (const target of targets) {
      for (const method of OPENAPI_METHODS.map((m) => m.toUpperCase())) {
        answers.push(await send(people(), method, target));
        answers.push(await send(people(), method, target, auth));
        answers.push(await send(people(), method, target, { ...auth, ...json }, '{"broken'));
        answers.push(
          await send(people(), method, target, { ...auth, 'content-type': 'text/csv' }, 'a'),
        );
        answers.push(
          await send(
            people(),
            method,
            target,
            { ...auth, 'content-type': 'application/json; charset=latin1' },
            '{}',
          ),
        );
        answers.push(await send(people(), method, target, { 'x-big': 'a'.repeat(17 * 1024) }));
      }
      for (const accept of ['text/html', 'image/png'])
        for (const method of ['GET', 'HEAD'])
          answers.push(await send(people(), method, target, { accept }));
    }
    expectDeclared(answers);
    expect(statusesOf(answers)).toEqual([200, 201, 204, 400, 401, 404, 405, 406, 415, 431]);
  });

  it("for each route's own answers: pages and their links, writes, imports, refusals", async () => {
    const answers: Answer[] = [];
    const go = async (
      ...args: Parameters<typeof send> extends [string, ...infer R] ? R : never
    ) => {
      const answer = await send(people(), ...args);
      answers.push(answer);
      return answer;
    };
    const person = uuidOf(await go('POST', '/people', { ...auth, ...json }, body()));
    await go('POST', '/people', { ...auth, ...json }, body({ name: 'Mrs. Second' }));
    await go('GET', '/people?limit=1');
    await go('GET', '/people?limit=1', { accept: 'text/html' });
    await go('HEAD', '/people?limit=1');
    await go('GET', '/people?limit=0');
    await go('GET', '/people?cursor=nonsense');
    await go('GET', `/people/${person.toUpperCase()}`);
    await go('GET', `/people/${person}`, { accept: 'text/html' });
    await go('GET', '/people/not-a-uuid');
    await go('PUT', `/people/${person}`, { ...auth, ...json }, '{"age":0.29}');
    await go('PUT', `/people/${person}`, { ...auth, ...json }, '{"fare":7.22921}');
    await go('PUT', `/people/${person}`, { ...auth, 'content-type': 'text/plain' }, 'x');
    await go('POST', '/people', { ...auth, 'content-type': 'text/plain' }, 'x');
    await go('POST', '/people', { ...auth, ...json }, JSON.stringify({ name: 'x'.repeat(2e6) }));
    await go('POST', '/people', { ...auth, ...json }, body({ cabin: 'C85' }));
    await go('POST', '/people', csv, `${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n`);
    await go('POST', '/people', csv, `${HEADER}\n0,x,Mr. B,male,22,1,0,7.25\n0,3,Mr. C\n`);
    await go('POST', '/people?skipInvalid=true', csv, `${HEADER}\n0,x,Mr. D,male,22,1,0,7.25\n`);
    await go('POST', '/people?skipInvalid=yes', csv, `${HEADER}\n0,3,Mr. E,male,22,1,0,7.25\n`);
    await go('POST', '/people', csv, 'not,a,passenger,file\n');
    await go('POST', '/people', { ...auth, authorization: 'Bearer wrong' }, body());
    await go('DELETE', `/people/${person}`, auth);
    await go('DELETE', `/people/${person}`, auth);
    await go('GET', '/people/a/b');
    expectDeclared(answers);
    expect(statusesOf(answers)).toEqual([200, 201, 204, 400, 401, 404, 413, 415]);
  });
});

describe('every answer is declared when reads need a key (READ_REQUIRES_AUTH)', () => {
  useTestDatabase(pglite!, { API_KEYS: `coverage=${KEY}`, READ_REQUIRES_AUTH: 'true' });
  const people = useFunction('people');

  it('answers 401 with WWW-Authenticate to every read without a key', async () => {
    const answers: Answer[] = [];
    for (const target of ['/people', '/people/openapi.json', `/people/${ZERO_UUID}`])
      for (const method of ['GET', 'HEAD', 'OPTIONS'])
        answers.push(await send(people(), method, target));
    expectDeclared(answers);
    expect(statusesOf(answers)).toEqual([401]);
  });
});

describe('every answer is declared when the database is unreachable', () => {
  const people = useFunction('people');
  const saved = { ...process.env };
  beforeAll(async () => {
    process.env.DATABASE_URL = 'postgres://manifest@127.0.0.1:1/nowhere';
    process.env.DB_CONNECT_TIMEOUT_MS = '500';
    process.env.API_KEYS = `coverage=${KEY}`;
    await resetInstance();
  });
  afterAll(async () => {
    process.env = saved;
    await resetInstance();
  });

  it('answers 503 with Retry-After to every operation that uses it', async () => {
    const answers = [
      await send(people(), 'GET', '/people'),
      await send(people(), 'HEAD', '/people'),
      await send(people(), 'POST', '/people', { ...auth, ...json }, body()),
      await send(people(), 'POST', '/people', csv, `${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n`),
      await send(people(), 'GET', `/people/${ZERO_UUID}`),
      await send(people(), 'HEAD', `/people/${ZERO_UUID}`),
      await send(people(), 'PUT', `/people/${ZERO_UUID}`, { ...auth, ...json }, '{}'),
      await send(people(), 'DELETE', `/people/${ZERO_UUID}`, auth),
    ];
    expectDeclared(answers);
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(503));
  });
});

const ZERO_UUID = '00000000-0000-4000-8000-000000000000';

function body(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify(personData(overrides));
}

function uuidOf(answer: Answer): string {
  expect(answer.status).toBe(201);
  return (JSON.parse(answer.text) as { uuid: string }).uuid;
}
