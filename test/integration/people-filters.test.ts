import { readFileSync } from 'node:fs';
import { listQuery } from '../../shared/people/repository';
import type { ListFilter, Person } from '../../shared/people/schema';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { request, type JsonResponse } from '../support/http';
import { TITANIC_CSV, titanicRows } from '../support/titanic';

/**
 * Issue 17: `GET /people` filters (passengerClass, sex, survived, name), against the real
 * Titanic file on each database. The expected people come from the CSV itself, parsed here
 * with csv-parse (test/support/titanic.ts), never through the importer or the API.
 */

type Row = Record<string, string>;
const nameOf = (row: Row) => row.Name!.toLowerCase();
const rows = titanicRows();

/** Every filter case: the query, and the CSV rows it must give, decided from the file. */
const cases: [string, (row: Row) => boolean][] = [
  ['passengerClass=1', (r) => r.Pclass === '1'],
  ['sex=female', (r) => r.Sex === 'female'],
  ['survived=true', (r) => r.Survived === '1'],
  ['survived=false', (r) => r.Survived === '0'],
  [
    'passengerClass=1&sex=female&survived=true',
    (r) => r.Pclass === '1' && r.Sex === 'female' && r.Survived === '1',
  ],
  [
    'passengerClass=3&sex=male&survived=false',
    (r) => r.Pclass === '3' && r.Sex === 'male' && r.Survived === '0',
  ],
  ['name=andersson', (r) => nameOf(r).includes('andersson')],
  ['name=MRS.&passengerClass=2', (r) => nameOf(r).includes('mrs.') && r.Pclass === '2'],
  ["name=O'", (r) => nameOf(r).includes("o'")],
  ['name=%25_', (r) => nameOf(r).includes('%_')],
  ['sex=other', (r) => r.Sex === 'other'],
  ['passengerClass=&sex=&survived=&name=', () => true],
];

describeEachDatabase('GET /people filters, against the Titanic file', (leg) => {
  const db = useTestDatabase(leg);
  const people = useFunction('people');

  beforeAll(async () => {
    const res = await request(`${people()}/people`, {
      method: 'POST',
      body: readFileSync(TITANIC_CSV),
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.body).toMatchObject({ imported: 887 });
    await db().raw('ANALYZE person');
  });

  /** Every page of a list, following `Link: rel="next"`, which must keep the query's filters. */
  async function everyPage(query: string, limit: number): Promise<Person[]> {
    const wanted = [...new URLSearchParams(query)].filter(([, value]) => value !== '');
    const all: Person[] = [];
    let next: string | undefined = `/people?limit=${limit}&${query}`;
    while (next) {
      const res: JsonResponse<Person[]> = await request<Person[]>(`${people()}${next}`);
      expect(res.status === 200 ? '' : res.text).toBe('');
      all.push(...res.body);
      next = /<([^>]+)>; rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
      if (next) {
        const kept = [...new URL(next, people()).searchParams].filter(([n]) => n !== 'cursor');
        expect(kept.sort()).toEqual([['limit', String(limit)], ...wanted].sort());
      }
    }
    return all;
  }

  it.each(cases)(
    '?%s gives exactly the people of the CSV, a page of 37 at a time',
    async (query, keep) => {
      const expected = rows.filter(keep);
      const listed = await everyPage(query, 37);
      expect(listed).toHaveLength(expected.length);
      expect(listed.map((p) => p.name).sort()).toEqual(expected.map((r) => r.Name!).sort());
      // Keyset order across pages: ascending uuids, none twice.
      const uuids = listed.map((p) => p.uuid);
      expect(uuids).toEqual([...uuids].sort());
      expect(new Set(uuids).size).toBe(uuids.length);
    },
  );

  it('counts exactly: 91 first-class women survived, of 887 passengers', async () => {
    // The figures of the file, stated once so a changed data file is noticed.
    expect(rows).toHaveLength(887);
    expect(rows.filter(cases[4]![1])).toHaveLength(91);
    expect(await everyPage('passengerClass=1&sex=female&survived=true', 1000)).toHaveLength(91);
  });

  it('refuses a cursor sent with other filters than its own, naming it; takes it with the same', async () => {
    const first = await request(`${people()}/people?limit=5&sex=female`);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link')!)![1]!;
    const cursor = new URL(next, people()).searchParams.get('cursor')!;
    for (const query of ['sex=male', '', 'sex=female&survived=true', 'sex=female&name=mr']) {
      const res = await request(`${people()}/people?limit=5&${query}&cursor=${cursor}`);
      expect([query, res.status, res.body.errors]).toEqual([
        query,
        400,
        [expect.objectContaining({ field: 'cursor', code: 'not-allowed' })],
      ]);
    }
    const same = await request<Person[]>(`${people()}/people?limit=5&sex=female&cursor=${cursor}`);
    expect(same.status).toBe(200);
    expect(same.body.map((p) => p.sex)).toEqual(Array(5).fill('female'));
  });

  it.each([
    ['passengerClass=4', 'passengerClass', 'out-of-range'],
    ['passengerClass=first', 'passengerClass', 'out-of-range'],
    ['sex=MALE', 'sex', 'not-allowed'],
    ['survived=yes', 'survived', 'wrong-type'],
    ['name=a', 'name', 'too-short'],
    [`name=${'a'.repeat(101)}`, 'name', 'too-long'],
    ['name=a%0Ab', 'name', 'invalid-format'],
    ['sex=male&sex=female', 'sex', 'not-allowed'],
    ['survived=true&survived=true', 'survived', 'wrong-type'],
    ['name=ab&name=cd', 'name', 'invalid-format'],
  ])('answers ?%s with 400 naming %s', async (query, field, code) => {
    const res = await request(`${people()}/people?${query}`);
    expect([res.status, res.body.errors]).toEqual([
      400,
      [expect.objectContaining({ field, code })],
    ]);
  });

  it('shows the filters as a GET form on the HTML page, the chosen ones selected, the next link keeping them', async () => {
    const res = await request(`${people()}/people?limit=10&passengerClass=1&sex=female`, {
      headers: { accept: 'text/html' },
    });
    expect(res.status).toBe(200);
    expect(res.text).toMatch(/<form method="get" action="\/people">/);
    expect(res.text).toContain('<option value="1" selected>1st</option>');
    expect(res.text).toContain('<option value="female" selected>female</option>');
    expect(res.text).toContain('<option value="" selected>any</option>'); // survived
    expect(res.text).toMatch(/<input type="search" name="name" minlength="2"/);
    expect(res.text).toMatch(
      /<a rel="next" href="\/people\?limit=10&amp;passengerClass=1&amp;sex=female&amp;cursor=[A-Za-z0-9_-]+">/,
    );
    expect(res.text).not.toMatch(/<script/i);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  /** The plan of a list page 600 rows deep, with sequential scans off (887 rows fit a few pages: one would win). */
  async function deepPagePlan(
    filter: ListFilter,
    settings: string[] = [],
    depth = 600,
  ): Promise<string> {
    const [{ id }] = await db()('person').select('id').orderBy('id').offset(depth).limit(1);
    const after = depth > 0 ? (id as string) : undefined;
    return db().transaction(async (trx) => {
      for (const setting of ['enable_seqscan', ...settings])
        await trx.raw(`SET LOCAL ${setting} = off`);
      const query = listQuery(trx, { limit: 100, after, filter }).toQuery();
      const { rows: lines } = await trx.raw(`EXPLAIN ${query}`);
      return (lines as { 'QUERY PLAN': string }[]).map((l) => l['QUERY PLAN']).join('\n');
    });
  }

  it.each([
    ['passengerClass', { passengerClass: 3 }],
    ['sex', { sex: 'female' }],
    ['survived', { survived: true }],
  ] as [string, ListFilter][])(
    'reads a deep page filtered by %s in uuid order from an index, seeking to the cursor (EXPLAIN: no sort)',
    async (_name, filter) => {
      const plan = await deepPagePlan(filter);
      expect(plan).toMatch(/Index Cond: \(.*id > '[0-9a-f-]+'::uuid/);
      expect(plan).not.toMatch(/Sort|Seq Scan/);
    },
  );

  it("uses the filter's own index for a value few rows have (EXPLAIN: sex=other, person_sex_id)", async () => {
    const plan = await deepPagePlan({ sex: 'other' });
    expect(plan).toMatch(
      /Index Scan using person_sex_id on person[\s\S]*Index Cond: \(\(sex = 'other'::text\) AND \(id > /,
    );
  });

  it('can find a name by its trigram index, the same extension on both databases (EXPLAIN: person_name_trigrams)', async () => {
    // On 887 rows, walking the primary key is cheaper; on the first page without plain index
    // scans, the planner shows whether the trigram index serves ILIKE here.
    const plan = await deepPagePlan({ name: 'andersson' }, ['enable_indexscan'], 0);
    expect(plan).toMatch(/Bitmap Index Scan on person_name_trigrams/);
  });
});
