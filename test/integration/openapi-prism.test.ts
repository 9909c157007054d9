import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openApiDocument } from '../../shared/people/openapi';
import { databaseLegs, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { request, type JsonResponse } from '../support/http';
import { HEADER } from '../support/hostile-cases';
import { freePort, ROOT, startChild, type Child } from '../support/processes';
import { TITANIC_CSV, titanicRows } from '../support/titanic';

/**
 * Issue 17: a third-party tool accepts the OpenAPI document and the server keeps to it.
 * Stoplight Prism runs as a validating proxy (`prism proxy --errors`) in front of the people
 * function: it checks every request against the document before passing it on, and every
 * answer against it on the way back, and answers an error of its own (4xx for a request,
 * 500 for an answer) instead of anything that breaks it. Real requests go through it,
 * among them the whole Titanic file, every page of it back, and a person for each fare.
 * HEAD is left out: Prism 5.14 parses the empty body of a HEAD answer as JSON and fails
 * (openapi-coverage.test.ts checks HEAD's answers against the document instead).
 */

const KEY = 'prism-key-0123456789abcdef';
const auth = { authorization: `Bearer ${KEY}` };
const [pglite] = databaseLegs;

describe('Stoplight Prism as a validating proxy in front of the people function', () => {
  useTestDatabase(pglite!, { API_KEYS: `prism=${KEY}` });
  const people = useFunction('people');
  let prism: Child;
  let base: string;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'manifest-prism-'));
    const spec = join(dir, 'openapi.json');
    writeFileSync(spec, JSON.stringify(openApiDocument));
    const port = await freePort();
    prism = startChild(
      process.execPath,
      [
        join(ROOT, 'node_modules/@stoplight/prism-cli/dist/index.js'),
        'proxy',
        spec,
        people(),
        '--errors',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
      ],
      {},
      { detached: true },
    );
    await prism.waitFor(/Prism is listening/, 120000);
    base = `http://127.0.0.1:${port}`;
  }, 180000);
  afterAll(async () => {
    await prism?.stop(5000);
    rmSync(dir, { recursive: true, force: true });
  });

  /** A request through Prism. */
  const through = (path: string, init: Parameters<typeof request>[1] = {}) =>
    request(`${base}${path}`, init);
  /** The answer is the server's own: Prism found nothing in it against the document. */
  const fromServer = (res: JsonResponse<any>, status: number) => {
    expect([res.status, res.headers.get('sl-violations'), res.text.slice(0, 300)]).toEqual([
      status,
      null,
      expect.any(String),
    ]);
    if (status >= 400) expect(res.body.type).toBe('about:blank');
  };
  const csv = { ...auth, 'content-type': 'text/csv' };

  it('passes the whole Titanic file as a CSV import, and every page of it back, each person as declared', async () => {
    const imported = await through('/people', {
      method: 'POST',
      body: readFileSync(TITANIC_CSV),
      headers: csv,
    });
    fromServer(imported, 200);
    expect(imported.body).toMatchObject({ imported: 887, rejected: 0 });
    const names: string[] = [];
    let next: string | undefined = '/people?limit=100';
    while (next) {
      const page = await through(next);
      fromServer(page, 200);
      names.push(...(page.body as { name: string }[]).map((p) => p.name));
      next = /<([^>]+)>; rel="next"/.exec(page.headers.get('link') ?? '')?.[1];
    }
    expect(names.sort()).toEqual(
      titanicRows()
        .map((row) => row.Name)
        .sort(),
    );
  }, 120000);

  it('passes a person for each distinct fare of the Titanic file as JSON, and the answer back', async () => {
    const byFare = new Map(titanicRows().map((row) => [row.Fare, row]));
    expect(byFare.size).toBeGreaterThan(200);
    for (const row of byFare.values()) {
      const res = await through('/people', {
        method: 'POST',
        headers: auth,
        json: {
          survived: row.Survived === '1',
          passengerClass: Number(row.Pclass),
          name: row.Name,
          sex: row.Sex,
          age: Number(row.Age),
          siblingsOrSpousesAboard: Number(row['Siblings/Spouses Aboard']),
          parentsOrChildrenAboard: Number(row['Parents/Children Aboard']),
          fare: Number(row.Fare),
        },
      });
      fromServer(res, 201);
      expect(res.body.fare).toBe(Number(row.Fare));
    }
  }, 180000);

  it("passes the server's other answers as declared: reads, writes, refusals and the CSV report", async () => {
    const person = (await through('/people?limit=1')).body[0].uuid as string;
    fromServer(await through(`/people/${person}`), 200);
    fromServer(await through(`/people/${person}`, { headers: { accept: 'text/html' } }), 200);
    fromServer(await through('/people?limit=5', { headers: { accept: 'text/html' } }), 200);
    fromServer(await through('/people/openapi.json'), 200);
    const changed = await through(`/people/${person}`, {
      method: 'PUT',
      headers: auth,
      json: { age: 0.29, fare: 7.2292 },
    });
    fromServer(changed, 200);
    expect(changed.body).toMatchObject({ age: 0.29, fare: 7.2292 });
    fromServer(await through(`/people/${person}`, { method: 'DELETE', headers: auth }), 204);
    fromServer(await through(`/people/${person}`), 404);
    fromServer(await through('/people', { headers: { accept: 'image/png' } }), 406);
    const patch = await through('/people', { method: 'PATCH', headers: auth });
    fromServer(patch, 405);
    expect(patch.headers.get('allow')).toBe('GET, HEAD, POST');
    const rejected = await through('/people', {
      method: 'POST',
      headers: csv,
      body: `${HEADER}\n0,x,Mr. B,male,22,1,0,7.25\n0,3,Mr. C\n`,
    });
    fromServer(rejected, 400);
    expect(rejected.body).toMatchObject({ rejected: 2, listed: 2 });
    expect(rejected.body.errors).toEqual([
      expect.objectContaining({ field: 'Pclass', code: 'wrong-type', line: 2 }),
      expect.objectContaining({ field: 'record', code: 'wrong-length', line: 3 }),
    ]);
    const skipped = await through('/people?skipInvalid=true', {
      method: 'POST',
      headers: csv,
      body: `${HEADER}\n0,x,Mr. B,male,22,1,0,7.25\n0,3,Mr. D,male,22,1,0,7.25\n`,
    });
    fromServer(skipped, 200);
    expect(skipped.body).toMatchObject({ imported: 1, rejected: 1 });
  }, 120000);

  it('refuses, from the document alone, what the server would refuse too', async () => {
    const refusals = [
      await through('/people?skipInvalid=yes', { method: 'POST', headers: csv, body: HEADER }),
      await through('/people?limit=0'),
      await through('/people', { method: 'POST', headers: auth, json: { name: 'x' } }),
      await through('/people', { method: 'POST', json: {} }),
    ];
    expect(refusals.map((r) => [r.status, r.body.type])).toEqual([
      [422, 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY'],
      [422, 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY'],
      [422, 'https://stoplight.io/prism/errors#UNPROCESSABLE_ENTITY'],
      [401, 'https://stoplight.io/prism/errors#UNAUTHORIZED'],
    ]);
  });
});
