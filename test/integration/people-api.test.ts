import { randomUUID } from 'node:crypto';
import { ListQuery, PersonPath } from '../../shared/people/schema';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { leaksInternals, personData, request } from '../support/http';

describeEachDatabase('people API', (leg) => {
  const db = useTestDatabase(leg);
  const base = useFunction('people');
  const people = () => `${base()}/people`;

  async function create(overrides: Record<string, unknown> = {}) {
    const res = await request(people(), { method: 'POST', json: personData(overrides) });
    expect(res.status).toBe(201);
    return res.body as Record<string, any>;
  }

  async function rowCount(): Promise<number> {
    const rows = await db()('person').count<{ count: string }[]>('* as count');
    return Number(rows[0]!.count);
  }

  describe('POST /people', () => {
    it('creates a person and answers 201 with Location and the stored Person', async () => {
      const res = await request(people(), { method: 'POST', json: personData({ survived: true }) });
      expect(res.status).toBe(201);
      expect(res.headers.get('location')).toBe(`/people/${res.body.uuid}`);
      expect(res.body).toEqual({
        uuid: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ...personData({ survived: true }),
      });
    });

    it('defaults survived to false', async () => {
      const { survived, ...withoutSurvived } = personData();
      expect(survived).toBe(false);
      const res = await request(people(), { method: 'POST', json: withoutSurvived });
      expect(res.status).toBe(201);
      expect(res.body.survived).toBe(false);
    });

    it('keeps fractional ages and fares exactly, in the database and in JSON', async () => {
      const created = await create({
        name: 'Master. Assad Alexander Thomas',
        age: 0.42,
        fare: 8.5167,
      });
      expect(created.age).toBe(0.42);
      expect(created.fare).toBe(8.5167);
      const row = await db()('person')
        .select(db().raw('age::text AS age, fare::text AS fare'))
        .where('id', created.uuid)
        .first();
      expect(row).toEqual({ age: '0.42', fare: '8.5167' });
    });

    it.each([
      ['a missing field', { name: undefined }, 'name', 'missing'],
      ['a wrong type', { age: 'twenty' }, 'age', 'wrong-type'],
      ['an out-of-range class', { passengerClass: 4 }, 'passengerClass', 'out-of-range'],
      ['a negative fare', { fare: -1 }, 'fare', 'out-of-range'],
      ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name', 'too-long'],
      ['an empty name', { name: '' }, 'name', 'too-short'],
      ['a blank name', { name: '   ' }, 'name', 'invalid-format'],
      ['a NUL byte in the name', { name: 'Mr.\u0000Smith' }, 'name', 'invalid-format'],
      ['an unknown property', { cabin: 'C85' }, 'cabin', 'unknown-property'],
      ['an unknown sex', { sex: 'unknown' }, 'sex', 'not-allowed'],
      ['an age with three decimals', { age: 0.425 }, 'age', 'too-precise'],
      [
        'a fractional sibling count',
        { siblingsOrSpousesAboard: 1.5 },
        'siblingsOrSpousesAboard',
        'wrong-type',
      ],
      ['survived as a string', { survived: 'yes' }, 'survived', 'wrong-type'],
    ])('refuses %s with 400 naming the field', async (_case, overrides, field, code) => {
      const before = await rowCount();
      const body = JSON.parse(JSON.stringify(personData(overrides)));
      const res = await request(people(), { method: 'POST', json: body });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.errors).toEqual(
        expect.arrayContaining([expect.objectContaining({ field, code })]),
      );
      expect(res.body.detail).toContain(field);
      expect(await rowCount()).toBe(before);
    });

    it('lists every bad field at once', async () => {
      const res = await request(people(), {
        method: 'POST',
        json: { name: 42, age: -1, extra: true },
      });
      expect(res.status).toBe(400);
      const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
      expect(fields).toEqual(
        [
          'age',
          'extra',
          'fare',
          'name',
          'parentsOrChildrenAboard',
          'passengerClass',
          'sex',
          'siblingsOrSpousesAboard',
        ].sort(),
      );
    });

    it('answers malformed JSON with a 400 problem and no stack trace', async () => {
      const res = await request(people(), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name": "Bob",',
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/not valid JSON/);
      expect(leaksInternals(res.text)).toBe(false);
    });

    it('answers a body that is not JSON with 415', async () => {
      const res = await request(people(), {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: 'name=Bob',
      });
      expect(res.status).toBe(415);
      expect(res.body.detail).toMatch(/application\/json/);
    });

    it('answers a body over 1 MB with 413 and writes nothing', async () => {
      const before = await rowCount();
      const res = await request(people(), {
        method: 'POST',
        json: personData({ padding: 'x'.repeat(1024 * 1024) }),
      });
      expect(res.status).toBe(413);
      expect(await rowCount()).toBe(before);
    });
  });

  describe('GET /people/{uuid}', () => {
    it('returns the person', async () => {
      const created = await create({
        name: 'Mrs. John Bradley (Florence Briggs Thayer) Cumings',
        sex: 'female',
      });
      const res = await request(`${people()}/${created.uuid}`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
    });

    it('answers JSON in UTF-8 with its length in bytes, and HEAD the same headers', async () => {
      const created = await create({ name: 'Mme. Léontine Pauline Aubart' });
      const get = await request(`${people()}/${created.uuid}`);
      expect(get.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(get.headers.get('content-length')).toBe(String(Buffer.byteLength(get.text)));
      expect(Buffer.byteLength(get.text)).toBe(get.text.length + 1); // the é: two bytes
      const head = await request(`${people()}/${created.uuid}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    });

    it('accepts an upper-case uuid', async () => {
      const created = await create();
      const res = await request(`${people()}/${String(created.uuid).toUpperCase()}`);
      expect(res.status).toBe(200);
      expect(res.body.uuid).toBe(created.uuid);
    });

    it('answers an unknown uuid with 404', async () => {
      const res = await request(`${people()}/00000000-0000-4000-8000-000000000000`);
      expect(res.status).toBe(404);
      expect(res.body.detail).toMatch(/No person/);
      expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
    });

    it.each(['not-a-uuid', '1', '..%2F..%2Fetc%2Fpasswd', "1' OR '1'='1"])(
      'answers the malformed uuid %s with 400',
      async (id) => {
        const res = await request(`${people()}/${id}`);
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ field: 'uuid', code: 'invalid-format' });
      },
    );
  });

  describe('PUT /people/{uuid}', () => {
    it('replaces the fields present and keeps the others', async () => {
      const created = await create();
      const res = await request(`${people()}/${created.uuid}`, {
        method: 'PUT',
        json: { survived: true, age: 23.5 },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ...created, survived: true, age: 23.5 });
      expect((await request(`${people()}/${created.uuid}`)).body).toEqual(res.body);
    });

    it('changes nothing for {}', async () => {
      const created = await create();
      const before = await db()('person').where('id', created.uuid).first();
      const res = await request(`${people()}/${created.uuid}`, { method: 'PUT', json: {} });
      expect(res.status).toBe(200);
      expect(res.body).toEqual(created);
      expect(await db()('person').where('id', created.uuid).first()).toEqual(before);
    });

    it('refuses an invalid field with 400 and changes nothing', async () => {
      const created = await create();
      const res = await request(`${people()}/${created.uuid}`, {
        method: 'PUT',
        json: { name: 'Ok', passengerClass: 0 },
      });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        expect.objectContaining({ field: 'passengerClass', code: 'out-of-range' }),
      ]);
      expect((await request(`${people()}/${created.uuid}`)).body).toEqual(created);
    });

    it('answers an unknown uuid with 404', async () => {
      const res = await request(`${people()}/00000000-0000-4000-8000-000000000000`, {
        method: 'PUT',
        json: { age: 3 },
      });
      expect(res.status).toBe(404);
    });

    it('answers a non-JSON body with 415', async () => {
      const created = await create();
      const res = await request(`${people()}/${created.uuid}`, {
        method: 'PUT',
        headers: { 'content-type': 'text/csv' },
        body: 'a,b',
      });
      expect(res.status).toBe(415);
    });
  });

  describe('DELETE /people/{uuid}', () => {
    it('deletes the person: 204, then 404', async () => {
      const created = await create();
      const res = await request(`${people()}/${created.uuid}`, { method: 'DELETE' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect((await request(`${people()}/${created.uuid}`)).status).toBe(404);
      expect((await request(`${people()}/${created.uuid}`, { method: 'DELETE' })).status).toBe(404);
    });
  });

  describe('GET /people', () => {
    beforeAll(async () => {
      await db()('person').delete();
      for (let i = 0; i < 25; i++) await create({ name: `Passenger ${i}`, age: i + 0.5 });
    });

    it('follows Link rel="next" through every person exactly once', async () => {
      const seen: string[] = [];
      let next: string | undefined = `${people()}?limit=10`;
      let pages = 0;
      while (next) {
        const res: { status: number; headers: Headers; body: { uuid: string }[] } =
          await request(next);
        expect(res.status).toBe(200);
        seen.push(...res.body.map((p) => p.uuid));
        const link: string | null = res.headers.get('link');
        next = link ? `${base()}${/^<([^>]+)>; rel="next"$/.exec(link)![1]}` : undefined;
        pages++;
      }
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(25);
      expect(seen).toEqual([...seen].sort());
    });

    it('defaults to 100 per page and gives no next link on the last page', async () => {
      // 105 people: the 25 above and 80 more, written straight to the table.
      const extra = Array.from({ length: 80 }, (_, i) => ({
        id: randomUUID(),
        passenger_class: 3,
        name: `Extra ${i}`,
        sex: 'female',
        age: 30,
        siblings_or_spouses_aboard: 0,
        parents_or_children_aboard: 0,
        fare: 8,
      }));
      await db()('person').insert(extra);
      try {
        const first = await request<unknown[]>(people());
        expect(first.status).toBe(200);
        expect(first.body).toHaveLength(100);
        const next = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '')?.[1];
        expect(next).toMatch(/^\/people\?limit=100&cursor=/);
        const last = await request<unknown[]>(`${base()}${next}`);
        expect(last.status).toBe(200);
        expect(last.body).toHaveLength(5);
        expect(last.headers.get('link')).toBeNull();
      } finally {
        await db()('person')
          .whereIn(
            'id',
            extra.map((p) => p.id),
          )
          .delete();
      }
    });

    it.each(['0', '1001', 'abc', '-1', '1.5', '10; DROP TABLE person', ''])(
      'answers limit=%s with 400',
      async (limit) => {
        const res = await request(`${people()}?limit=${encodeURIComponent(limit)}`);
        expect(res.status).toBe(400);
        expect(res.body.errors[0]).toMatchObject({ field: 'limit' });
      },
    );

    it.each([
      ['garbage', 'garbage!'],
      ['truncated', 'djE6MDAwMDAwMDAtMDAw'],
      ['SQL', Buffer.from("v1:' OR 1=1 --").toString('base64url')],
      [
        'padded',
        `${Buffer.from('v1:00000000-0000-4000-8000-000000000000').toString('base64url')}==`,
      ],
    ])('answers a %s cursor with 400', async (_case, cursor) => {
      const res = await request(`${people()}?cursor=${encodeURIComponent(cursor)}`);
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ field: 'cursor', code: 'invalid-format' });
    });

    it('names every bad query parameter in one answer', async () => {
      const res = await request(`${people()}?limit=1e3&cursor=garbage!`);
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        {
          field: 'limit',
          code: 'out-of-range',
          message: 'limit must be an integer from 1 to 1000',
        },
        { field: 'cursor', code: 'invalid-format', message: expect.stringMatching(/^cursor /) },
      ]);
    });

    it('ignores query parameters it does not declare', async () => {
      const res = await request<unknown[]>(`${people()}?limit=2&utm_source=mail&_=1700000000`);
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(2);
    });
  });

  describe('GET /people while others write', () => {
    const row = (id: string, name: string) => ({
      id,
      passenger_class: 2,
      name,
      sex: 'other',
      age: 40,
      siblings_or_spouses_aboard: 0,
      parents_or_children_aboard: 0,
      fare: 10,
    });
    // uuids that sort before any random one: written behind the reader's position.
    const early = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

    it('never makes a page skip or repeat a row, whatever is inserted or deleted between pages', async () => {
      await db()('person').delete();
      const seed = Array.from({ length: 50 }, (_, i) => row(randomUUID(), `Seed ${i}`));
      await db()('person').insert(seed);
      const deleted = new Set<string>();
      const seen: string[] = [];
      let next: string | undefined = `${people()}?limit=7`;
      let written = 0;
      let pages = 0;
      while (next) {
        const res: { status: number; headers: Headers; body: { uuid: string }[] } =
          await request(next);
        expect(res.status).toBe(200);
        seen.push(...res.body.map((p) => p.uuid));
        const link = res.headers.get('link');
        next = link ? `${base()}${/^<([^>]+)>; rel="next"$/.exec(link)![1]}` : undefined;
        // Between this page and the next, other clients write: rows behind the reader's
        // position are inserted and deleted, and rows ahead of it
        // are inserted and deleted. An offset would shift under each of these.
        // Every other page, the row the cursor names goes too.
        const behind = ++pages % 2 ? seen.slice(-2) : seen.slice(-3, -1);
        const ahead = seed.map((r) => r.id).filter((id) => id > seen.at(-1)! && !deleted.has(id));
        const gone = [...behind, ...ahead.slice(0, 1)];
        for (const id of gone) deleted.add(id);
        await db()('person').whereIn('id', gone).delete();
        await db()('person').insert([
          row(early(++written), 'Written behind'),
          row(early(++written), 'Written behind'),
          row(randomUUID(), 'Written anywhere'),
        ]);
      }
      // Ascending, so no row twice; every row there from start to end, exactly once.
      expect(seen.filter((id, i) => i > 0 && id <= seen[i - 1]!)).toEqual([]);
      const stayed = seed.map((r) => r.id).filter((id) => !deleted.has(id));
      expect(stayed.filter((id) => seen.filter((s) => s === id).length !== 1)).toEqual([]);
      expect(seen.filter((id) => id.startsWith('00000000-'))).toEqual([]);
      expect(stayed.length).toBeGreaterThan(20);
    });
  });

  describe('HTML pages', () => {
    it('renders the list as a table with a next-page link, escaping every value', async () => {
      await create({ name: '<script>alert("x")</script> & Co' });
      await create({ name: 'Another, so there is a next page' });
      const res = await request(`${people()}?limit=1`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.text).toContain('<table>');
      expect(res.text).toMatch(/<a rel="next" href="\/people\?limit=1&amp;cursor=[A-Za-z0-9_-]+">/);
      // The whole list on one page: the name is there, escaped, and never as markup.
      const all = await request(`${people()}?limit=1000`, { headers: { accept: 'text/html' } });
      expect(all.text).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
      expect(all.text).not.toContain('<script>');
    });

    it('renders one person, escaping the name', async () => {
      const created = await create({ name: '<img src=x onerror=alert(1)> "Q"' });
      const res = await request(`${people()}/${created.uuid}`, {
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(res.status).toBe(200);
      expect(res.text).toContain('&lt;img src=x onerror=alert(1)&gt; &quot;Q&quot;');
      expect(res.text).not.toContain('<img');
    });

    it('answers an Accept it cannot satisfy with 406', async () => {
      const res = await request(people(), { headers: { accept: 'image/png' } });
      expect(res.status).toBe(406);
    });
  });

  describe('the rest of the contract', () => {
    it('serves its OpenAPI 3.1 document', async () => {
      const res = await request(`${people()}/openapi.json`);
      expect(res.status).toBe(200);
      expect(res.body.openapi).toBe('3.1.0');
      expect(Object.keys(res.body.paths)).toEqual([
        '/people',
        '/people/{uuid}',
        '/people/openapi.json',
      ]);
      expect(res.body.components.schemas.PersonData.required).toContain('name');
    });

    it('lists as its parameters the very schemas the function reads the query and path with', async () => {
      const { paths } = (await request(`${people()}/openapi.json`)).body;
      const declared = (location: string, schema: { properties: object }) =>
        Object.entries(schema.properties).map(([name, property]) => ({
          name,
          in: location,
          schema: JSON.parse(JSON.stringify(property)),
        }));
      expect(paths['/people'].get.parameters).toEqual(
        declared('query', ListQuery).map((p) => expect.objectContaining(p)),
      );
      expect(paths['/people/{uuid}'].parameters).toEqual(
        declared('path', PersonPath).map((p) => expect.objectContaining({ ...p, required: true })),
      );
    });

    it.each([
      ['PATCH', '/people', 'GET, HEAD, POST'],
      ['DELETE', '/people', 'GET, HEAD, POST'],
      ['POST', '/people/00000000-0000-4000-8000-000000000000', 'GET, HEAD, PUT, DELETE'],
    ])('answers %s %s with 405 and Allow', async (method, path, allow) => {
      const res = await request(`${base()}${path}`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe(allow);
    });

    it('serves the same API under / (the cloudfunctions.net URL strips the function name)', async () => {
      const created = await create();
      const res = await request(`${base()}/${created.uuid}`);
      expect(res.status).toBe(200);
      expect(res.body.uuid).toBe(created.uuid);
    });

    it('mounts under /people as Express would: any case, whole segments, trailing slash', async () => {
      const [first] = [await create(), await create()];
      const shown = await request(`${base()}/PEOPLE/${first!.uuid}/`);
      expect(shown.status).toBe(200);
      expect(shown.body.uuid).toBe(first!.uuid);
      // The links carry the mount as the request spelled it, and none under /.
      const listed = await request(`${base()}/People/?limit=1`);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(1);
      expect(listed.headers.get('link')).toMatch(/^<\/People\?limit=1&cursor=[^>]+>; rel="next"$/);
      const root = await request(`${base()}/?limit=1`);
      expect(root.headers.get('link')).toMatch(/^<\/\?limit=1&cursor=[^>]+>; rel="next"$/);
      const posted = await request(`${base()}/`, { method: 'POST', json: personData() });
      expect(posted.headers.get('location')).toBe(`/${posted.body.uuid}`);
      // Not a whole segment: under /, "people<uuid>" is the path's uuid, and not a valid one.
      expect((await request(`${base()}/people${first!.uuid}`)).status).toBe(400);
      // What the mount's routes leave unanswered is tried under /; the 404 names the whole path.
      const deeper = await request(`${base()}/people/a/b?x=1`);
      expect(deeper.status).toBe(404);
      expect(deeper.body.detail).toBe('No such resource: GET /people/a/b.');
    });

    it('the database itself refuses rows the API would refuse', async () => {
      const valid = {
        passenger_class: 1,
        name: 'X',
        sex: 'male',
        age: 1,
        siblings_or_spouses_aboard: 0,
        parents_or_children_aboard: 0,
        fare: 1,
      };
      for (const bad of [
        { passenger_class: 4 },
        { sex: 'x' },
        { age: -1 },
        { age: '0.425' },
        { fare: '1.00001' },
        { name: ' ' },
        { name: 'a\u0001b' },
        { siblings_or_spouses_aboard: -1 },
      ]) {
        await expect(db()('person').insert({ ...valid, ...bad })).rejects.toMatchObject({
          code: '23514',
        });
      }
      await expect(
        db()('person').insert({ ...valid, name: 'x'.repeat(101) }),
      ).rejects.toMatchObject({ code: '22001' });
    });
  });
});
