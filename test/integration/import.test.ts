import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { eventMessage } from '../../shared/events/message';
import { usePublisher } from '../../shared/events/publisher';
import {
  importPeople,
  ImportRejectedError,
  type ImportOptions,
} from '../../shared/import/importer';
import { ImportFileError } from '../../shared/import/decode';
import { passengerCsv } from '../../bench/passengers';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { push, pushBody, RecordingPublisher } from '../support/events';
import { useFunction } from '../support/functions';
import { request } from '../support/http';
import { startChild, TSX } from '../support/processes';
import { TITANIC_CSV, titanicRows } from '../support/titanic';

const HEADER = 'Survived,Pclass,Name,Sex,Age,Siblings/Spouses Aboard,Parents/Children Aboard,Fare';
const KEY = 'import-key-0123456789abcdef';

describeEachDatabase('bulk import of passenger CSV files', (leg) => {
  const db = useTestDatabase(leg, { API_KEYS: `importer=${KEY}` });
  const people = useFunction('people');
  const projectStats = useFunction('project-stats');
  const stats = useFunction('stats');
  const broker = new RecordingPublisher();

  beforeAll(() => {
    usePublisher(broker);
  });
  beforeEach(async () => {
    broker.published.length = 0;
    await db()('person').delete();
    await db()('outbox').delete();
  });

  const importText = (text: string | Buffer, options: Partial<ImportOptions> = {}) =>
    importPeople(db(), {
      source: Readable.from([typeof text === 'string' ? Buffer.from(text) : text]),
      sourceName: 'test.csv',
      actor: 'test',
      traceparent: '',
      ...options,
    });
  const count = async (k: Knex = db()) =>
    Number((await k('person').count<{ n: string }[]>('* as n'))[0]!.n);

  it('imports the real data set completely, with exact ages and fares, and /stats then matches it', async () => {
    const summary = await importPeople(db(), {
      source: (await import('node:fs')).createReadStream(TITANIC_CSV),
      sourceName: 'titanic.csv',
      actor: 'test',
      traceparent: '',
    });
    const expected = titanicRows();
    expect(summary).toMatchObject({
      source: 'titanic.csv',
      imported: 887,
      rejected: 0,
      rejects: [],
    });
    expect(await count()).toBe(expected.length);
    // Every age and fare exactly as written in the file: the stored decimal's text is the file's.
    const stored = await db()('person').select(
      'name',
      db().raw('age::text AS age, fare::text AS fare'),
    );
    const byName = new Map(stored.map((r: any) => [r.name, r]));
    const mismatches = expected
      .map((row) => ({ row, got: byName.get(row.Name) as { age: string; fare: string } }))
      .filter(({ row, got }) => got?.age !== row.Age || got?.fare !== row.Fare)
      .map(({ row, got }) => [row.Name, row.Age, row.Fare, got?.age, got?.fare]);
    expect(mismatches).toEqual([]);
    expect(byName.get('Master. Assad Alexander Thomas')).toMatchObject({ age: '0.42' });

    // One people.imported event, through the outbox, in the same transaction.
    await broker.settled();
    const [event] = broker.events();
    expect(event).toMatchObject({
      type: 'people.imported',
      data: { source: 'titanic.csv', imported: 887, rejected: 0 },
    });
    expect(await db()('outbox').where({ type: 'people.imported' }).pluck('event_id')).toEqual([
      event.id,
    ]);
    expect((await push(projectStats(), pushBody(eventMessage(event, '')))).status).toBeLessThan(
      300,
    );

    const report = (await request(`${stats()}/stats`)).body;
    expect(report.total.passengers).toBe(887);
    expect(report.total.survivors).toBe(expected.filter((r) => r.Survived === '1').length);
    for (const c of ['1', '2', '3']) {
      for (const sex of ['female', 'male']) {
        const group = expected.filter((r) => r.Pclass === c && r.Sex === sex);
        const shown = report.byClassAndSex.find(
          (g: any) => g.passengerClass === Number(c) && g.sex === sex,
        );
        expect([c, sex, shown.passengers, shown.survivors]).toEqual([
          c,
          sex,
          group.length,
          group.filter((r) => r.Survived === '1').length,
        ]);
        const ageSum = group.reduce((s, r) => s + Number(r.Age), 0);
        expect(shown.averageAge).toBeCloseTo(ageSum / group.length, 2);
      }
    }
  });

  it('accepts a UTF-8 BOM, CRLF line ends, the API field names, and quoted names with commas and quotes', async () => {
    const text = `\ufeffsurvived,passengerClass,name,sex,age,siblingsOrSpousesAboard,parentsOrChildrenAboard,fare\r\n1,1,"Brown, Mrs. James Joseph (""Molly"")",female,44,0,0,27.7208\r\n0,3,"Line
break? no: name with ""quotes""",male,0.83,1,1,7.9250\r\n`;
    await expect(importText(text)).rejects.toBeInstanceOf(ImportRejectedError); // the newline inside a name is refused
    const ok = text.replace('Line\nbreak? no: name with ""quotes""', 'Mr. ""Quoted"", Jr.');
    const summary = await importText(ok);
    expect(summary.imported).toBe(2);
    const names = (await db()('person').orderBy('name').select('name')).map((r) => r.name);
    expect(names).toEqual(['Brown, Mrs. James Joseph ("Molly")', 'Mr. "Quoted", Jr.']);
  });

  it.each([
    [
      'a wrong header',
      `Survived,Class,Name\n1,1,X\n`,
      /line 1: the header is not a passenger header: column 2 "Class" is not a passenger field/,
    ],
    ['an empty file', '', /the file is empty/],
    [
      'a truncated last line (unclosed quote)',
      `${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n1,1,"Mrs. B`,
      /line 3: a quoted field is not closed/,
    ],
    [
      'a non-UTF-8 file',
      Buffer.concat([
        Buffer.from(`${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n0,3,M`),
        Buffer.from([0xe9, 0x6c]),
        Buffer.from('e,male,22,1,0,7.25\n'),
      ]),
      /line 3: the file is not UTF-8/,
    ],
  ])('refuses %s with a clear message, writing nothing', async (_case, text, message) => {
    await expect(importText(text)).rejects.toThrow(ImportFileError);
    await expect(importText(text)).rejects.toThrow(message);
    expect(await count()).toBe(0);
    expect(await db()('outbox').select()).toEqual([]);
  });

  it('reports a bad value in row N as line N, and writes nothing', async () => {
    const lines = [
      HEADER,
      '0,3,Mr. A,male,22,1,0,7.25',
      '1,1,Mrs. B,female,38,1,0,71.2833',
      '0,3,Mr. C,male,151,0,0,8.05',
      '0,3,Mr. D,male,35,0,0',
    ];
    const error = await importText(lines.join('\n')).catch((e) => e);
    expect(error).toBeInstanceOf(ImportRejectedError);
    expect(error.summary.rejects).toEqual([
      {
        line: 4,
        errors: [
          expect.objectContaining({
            field: 'Age',
            code: 'out-of-range',
            message: 'Age must be <= 150',
          }),
        ],
      },
      { line: 5, errors: [expect.objectContaining({ field: 'record', code: 'wrong-length' })] },
    ]);
    expect(await count()).toBe(0);
  });

  it('stores ages and fares exactly as written, trailing zeros included', async () => {
    const text = [
      HEADER,
      '1,3,Miss. Exact,female,0.50,0,0,7.9250',
      '0,1,Mr. Exact,male,38.00,1,0,71.2800',
      '0,2,Mr. Whole,male,22,0,0,13',
    ].join('\n');
    expect((await importText(text)).imported).toBe(3);
    const rows = await db()('person')
      .orderBy('name')
      .select('name', db().raw('age::text AS age, fare::text AS fare'));
    expect(rows).toEqual([
      { name: 'Miss. Exact', age: '0.50', fare: '7.9250' },
      { name: 'Mr. Exact', age: '38.00', fare: '71.2800' },
      { name: 'Mr. Whole', age: '22', fare: '13' },
    ]);
  });

  it('counts lines across blank lines and names that span lines', async () => {
    const text = `${HEADER}\n0,3,Mr. A,male,22,1,0,7.25\n\n0,3,"Mr.\nB",male,22,1,0,7.25\n0,3,Mr. C,male,200,1,0,7.25\n`;
    const error = await importText(text).catch((e) => e);
    expect(error.summary.rejects.map((r: { line: number }) => r.line)).toEqual([4, 6]);
  });

  it('lists the first 100 bad rows, then a count', async () => {
    const bad = Array.from({ length: 150 }, (_, i) => `0,9,Bad ${i},male,22,1,0,7.25`);
    const error = await importText([HEADER, ...bad].join('\n')).catch((e) => e);
    expect(error.summary.rejected).toBe(150);
    expect(error.summary.rejects).toHaveLength(100);
    expect(error.summary.rejects[99].line).toBe(101);
  });

  it('with skipInvalid imports the valid rows and reports the others', async () => {
    const rejected: number[] = [];
    const summary = await importText(
      [
        HEADER,
        '0,3,Mr. A,male,22,1,0,7.25',
        '0,4,Mr. B,male,22,1,0,7.25',
        '1,1,Mrs. C,female,38,1,0,71.2833',
      ].join('\n'),
      {
        skipInvalid: true,
        onReject: (r) => rejected.push(r.line),
      },
    );
    expect(summary).toMatchObject({ imported: 2, rejected: 1 });
    expect(rejected).toEqual([3]);
    await broker.settled();
    expect(broker.events()[0].data).toEqual({ source: 'test.csv', imported: 2, rejected: 1 });
  });

  // The memory this takes (the README's peak RSS for a million rows) is a benchmark figure:
  // bench/import.bench.ts measures the importer's peak RSS in its own process, held to < 256 MiB.
  it('imports a large generated file (30,000 rows) completely, streamed from a generator', async () => {
    const rows = 30000;
    const summary = await importPeople(db(), {
      source: passengerCsv(rows, 7),
      sourceName: 'generated.csv',
      actor: 'test',
      traceparent: '',
    });
    expect(summary.imported).toBe(rows);
    expect(await count()).toBe(rows);
  });

  describe('over HTTP: POST /people with Content-Type text/csv', () => {
    const post = (body: string | Buffer, headers: Record<string, string> = {}, query = '') =>
      request(`${people()}/people${query}`, {
        method: 'POST',
        body: typeof body === 'string' ? body : new Uint8Array(body),
        headers: {
          'content-type': 'text/csv',
          authorization: `Bearer ${KEY}`,
          'content-disposition': 'attachment; filename="titanic.csv"',
          ...headers,
        },
      });

    it('answers 200 with the summary', async () => {
      const res = await post(readFileSync(TITANIC_CSV));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(res.text)));
      expect(res.body).toEqual({
        source: 'titanic.csv',
        imported: 887,
        rejected: 0,
        seconds: expect.any(Number),
      });
      await broker.settled();
      expect(broker.events()[0]).toMatchObject({
        type: 'people.imported',
        actor: 'api-key:importer',
      });
    });

    it('answers 400 with the row report, and imports nothing', async () => {
      const res = await post(
        [HEADER, '0,3,Mr. A,male,22,1,0,7.25', '0,3,Mr. B,robot,22,1,0,7.25'].join('\n'),
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        detail: '1 invalid row(s) in titanic.csv; nothing was imported.',
        rejected: 1,
        errors: [
          {
            line: 3,
            field: 'Sex',
            code: 'not-allowed',
            message: 'line 3: Sex must be one of male, female, other',
          },
        ],
      });
      expect(await count()).toBe(0);
    });

    it('answers 400 for a file that is not a passenger file', async () => {
      const res = await post('hello,world\n1,2\n');
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/line 1: the header is not a passenger header/);
    });

    it('keeps the valid rows with ?skipInvalid=true', async () => {
      const res = await post(
        [HEADER, '0,3,Mr. A,male,22,1,0,7.25', '0,3,Mr. B,robot,22,1,0,7.25'].join('\n'),
        {},
        '?skipInvalid=true',
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ imported: 1, rejected: 1, rejects: [{ line: 3 }] });
    });

    it("answers 413 over the platform's 32 MB", async () => {
      const res = await post(Buffer.alloc(32 * 1024 * 1024 + 1, 'a'));
      expect(res.status).toBe(413);
      expect(await count()).toBe(0);
    });

    it('refuses an import without a key', async () => {
      const res = await post(readFileSync(TITANIC_CSV), { authorization: '' });
      expect(res.status).toBe(401);
      expect(await count()).toBe(0);
    });
  });

  describe('the CLI: npm run import', () => {
    const dir = mkdtempSync(join(tmpdir(), 'manifest-import-'));
    const run = (...args: string[]) => {
      const child = startChild(TSX, ['scripts/import.ts', ...args], {
        DATABASE_URL: process.env.DATABASE_URL,
      });
      return child.exited.then((code) => ({ code, output: child.output() }));
    };

    it('imports a file and ends with a summary', async () => {
      const { code, output } = await run(TITANIC_CSV);
      expect(code).toBe(0);
      expect(output).toMatch(
        /Imported 887 rows from titanic.csv, rejected 0, in [\d.]+ s \([\d]+ rows\/s, (copy|insert)\)/,
      );
      expect(await count()).toBe(887);
    });

    it('exits non-zero listing the bad rows, importing nothing', async () => {
      const file = join(dir, 'bad.csv');
      writeFileSync(
        file,
        [HEADER, '0,3,Mr. A,male,22,1,0,7.25', '0,3,Mr. B,male,151,1,0,7.25'].join('\n'),
      );
      const { code, output } = await run(file);
      expect(code).toBe(1);
      expect(output).toContain('line 3: Age must be <= 150');
      expect(output).toContain('Nothing was imported.');
      expect(await count()).toBe(0);
    });

    it('with --skip-invalid writes the rejects to a report file', async () => {
      const file = join(dir, 'mixed.csv');
      writeFileSync(
        file,
        [HEADER, '0,3,Mr. A,male,22,1,0,7.25', '0,3,Mr. B,male,-4,1,0,7.25'].join('\n'),
      );
      const { code, output } = await run(file, '--skip-invalid');
      expect(code).toBe(0);
      expect(output).toMatch(/Imported 1 rows from mixed.csv, rejected 1/);
      expect(existsSync(`${file}.rejects.jsonl`)).toBe(true);
      expect(JSON.parse(readFileSync(`${file}.rejects.jsonl`, 'utf8'))).toEqual({
        line: 3,
        errors: [expect.objectContaining({ field: 'Age' })],
      });
    });

    it('imports a large generated file', async () => {
      const file = join(dir, 'large.csv');
      const chunks: Buffer[] = [];
      for await (const chunk of passengerCsv(60000, 3)) chunks.push(Buffer.from(chunk));
      writeFileSync(file, Buffer.concat(chunks));
      const { code, output } = await run(file);
      expect(code).toBe(0);
      expect(output).toMatch(/Imported 60000 rows/);
    });

    it('answers usage errors with exit code 2', async () => {
      expect((await run()).code).toBe(2);
    });
  });
});
