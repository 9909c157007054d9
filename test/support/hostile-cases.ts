import { randomUUID } from 'node:crypto';
import { createEvent } from '../../shared/events/envelope';
import { pushBody } from './events';
import { personData } from './http';

/**
 * The hostile-input table (issue 8): every case is one named test in
 * test/integration/hostile-input.test.ts, run on each database leg. Three kinds:
 * - `http`: a raw request to the people function (sent with node:http, so paths, headers and
 *   bodies go out byte for byte, unnormalised);
 * - `csv`: a `POST /people` with `Content-Type: text/csv` and a valid key;
 * - `event`: a Pub/Sub push delivery to project-stats or audit-log, served alone.
 * An expectation is either a refusal (`status`, and for problem bodies the field they must
 * name; the database must be unchanged) or an acceptance whose stored result is checked
 * exactly (`accept`).
 */

export const HEADER =
  'Survived,Pclass,Name,Sex,Age,Siblings/Spouses Aboard,Parents/Children Aboard,Fare';
const ROW = (name: string) => `0,3,${name},male,22,1,0,7.25`;

/** What a case can refer to once the suite is running. */
export interface CaseContext {
  /** A person that exists (created in beforeAll). */
  existing: string;
  /** A cursor the API itself produced (for the list's first page, limit 1). */
  cursor: string;
}

export interface RawRequest {
  method: string;
  /** Raw request target, sent as is (no URL normalisation). */
  path: string | ((ctx: CaseContext) => string);
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** A JSON value to send (serialised with JSON.stringify); or use `body` for raw text. */
  json?: unknown;
}

/** A refusal: the status, and what the problem body must name. */
export interface Refusal {
  status: number;
  /** `errors[].field` that must be present. */
  field?: string;
  code?: string;
  /** CSV row reports: the line the error names. */
  line?: number;
  detail?: RegExp;
  allow?: string;
  /** False when the answer is not ours (node closes the socket before any code runs). */
  problem?: boolean;
}

/** An accepted request: what must have been stored, exactly. */
export interface Acceptance {
  status: number;
  /** The names that must now be stored (byte-exact), each once more than before. */
  storedNames?: string[];
  /** More checks on the response. */
  check?: 'html-escaped';
}

export type HostileCase =
  | { kind: 'http'; name: string; request: RawRequest; expect: Refusal | { accept: Acceptance } }
  | {
      kind: 'csv';
      name: string;
      csv: string | Buffer;
      query?: string;
      headers?: Record<string, string>;
      expect: Refusal | { accept: Acceptance & { imported: number; source?: string } };
    }
  | {
      kind: 'event';
      name: string;
      consumer: 'project-stats' | 'audit-log';
      /** The raw push request body (an object is sent as JSON). */
      push: () => unknown;
      contentType?: string;
      expect:
        | { deadLetter: RegExp }
        | { applied: true; auditActor?: string }
        | { status: number; detail: RegExp };
    };

const uuid = '00000000-0000-4000-8000-000000000000';
const json = (value: unknown) => JSON.stringify(value);
const person = (overrides: Record<string, unknown> = {}) => personData(overrides);
/** A valid person body as JSON text with one property's raw JSON spliced in. */
const withRaw = (key: string, rawValue: string) =>
  json(person()).replace(/}$/, `,${JSON.stringify(key)}:${rawValue}}`);
const replaceRaw = (key: string, rawValue: string) =>
  json(person()).replace(new RegExp(`"${key}":[^,}]+`), `"${key}":${rawValue}`);

const post = (body: string | Buffer, headers: Record<string, string> = {}): RawRequest => ({
  method: 'POST',
  path: '/people',
  headers: { 'content-type': 'application/json', ...headers },
  body,
});
const put = (body: string): RawRequest => ({
  method: 'PUT',
  path: (ctx) => `/people/${ctx.existing}`,
  headers: { 'content-type': 'application/json' },
  body,
});
const get = (path: string | ((ctx: CaseContext) => string), headers = {}): RawRequest => ({
  method: 'GET',
  path,
  headers,
});

const UNICODE_NAME = 'Zoë Ñúñez-Łódź 李小龍 Ωμέγα עברית 👨‍👩‍👧 e\u0301';
const ASTRAL_100 = '🚢'.repeat(100);
const SQL_NAME = "Robert'); DROP TABLE person;-- \\' OR 1=1 /*";
const HTML_NAME = `<script>alert('x')</script><img src=x onerror=alert(1)> "&amp;" '`;

export const httpCases: HostileCase[] = [
  // Malformed JSON
  {
    kind: 'http',
    name: 'malformed JSON: an object cut short',
    request: post('{"name": "Bob",'),
    expect: { status: 400, detail: /not valid JSON/ },
  },
  {
    kind: 'http',
    name: 'JSON that is not an object: null',
    request: post('null'),
    expect: { status: 400, field: 'body', code: 'wrong-type', detail: /must be a JSON object/ },
  },
  {
    kind: 'http',
    name: 'JSON that is not an object: an array of people',
    request: post(json([person()])),
    expect: { status: 400, field: 'body', code: 'wrong-type' },
  },
  {
    kind: 'http',
    name: 'deeply nested JSON (100 000 levels) as the name',
    request: post(replaceRaw('name', `${'['.repeat(100000)}${']'.repeat(100000)}`)),
    expect: { status: 400, field: 'name', code: 'wrong-type' },
  },
  {
    kind: 'http',
    name: 'deeply nested JSON (20 000 levels) in an unknown property',
    request: post(withRaw('cabin', `${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}`)),
    expect: { status: 400, field: 'cabin', code: 'unknown-property' },
  },
  // Numbers
  {
    kind: 'http',
    name: 'a huge number: age 1e400 (Infinity once parsed)',
    request: post(replaceRaw('age', '1e400')),
    expect: { status: 400, field: 'age' },
  },
  {
    kind: 'http',
    name: 'a huge number: fare 1e308',
    request: post(replaceRaw('fare', '1e308')),
    expect: { status: 400, field: 'fare', code: 'out-of-range' },
  },
  {
    kind: 'http',
    name: 'a huge integer beyond 2^53: siblingsOrSpousesAboard 9007199254740993',
    request: post(replaceRaw('siblingsOrSpousesAboard', '9007199254740993')),
    expect: { status: 400, field: 'siblingsOrSpousesAboard', code: 'out-of-range' },
  },
  {
    kind: 'http',
    name: 'a tiny number: age 1e-9',
    request: post(replaceRaw('age', '1e-9')),
    expect: { status: 400, field: 'age', code: 'too-precise' },
  },
  {
    kind: 'http',
    name: 'a number as a string: passengerClass "1" (no coercion)',
    request: post(json(person({ passengerClass: '1' }))),
    expect: { status: 400, field: 'passengerClass', code: 'wrong-type' },
  },
  {
    kind: 'http',
    name: 'a boolean as a string: survived "false"',
    request: post(json(person({ survived: 'false' }))),
    expect: { status: 400, field: 'survived', code: 'wrong-type' },
  },
  {
    kind: 'http',
    name: 'null for a field on PUT: age null',
    request: put('{"age":null}'),
    expect: { status: 400, field: 'age', code: 'wrong-type' },
  },
  // Prototype pollution
  {
    kind: 'http',
    name: 'prototype pollution: a __proto__ key on POST',
    request: post(withRaw('__proto__', '{"polluted":true,"isAdmin":true}')),
    expect: { status: 400, field: '__proto__', code: 'unknown-property' },
  },
  {
    kind: 'http',
    name: 'prototype pollution: constructor.prototype on POST',
    request: post(withRaw('constructor', '{"prototype":{"polluted":true}}')),
    expect: { status: 400, field: 'constructor', code: 'unknown-property' },
  },
  {
    kind: 'http',
    name: 'prototype pollution: a __proto__ key on PUT',
    request: put('{"__proto__":{"polluted":true},"age":1}'),
    expect: { status: 400, field: '__proto__', code: 'unknown-property' },
  },
  {
    kind: 'http',
    name: 'prototype pollution: __proto__ in the query string',
    request: get(
      '/people?__proto__[polluted]=1&constructor[prototype][polluted]=1&limit=__proto__',
    ),
    expect: { status: 400, field: 'limit' },
  },
  // Control characters, NUL, unicode
  {
    kind: 'http',
    name: 'a NUL byte in the name on POST',
    request: post(json(person({ name: 'Mr.\u0000Smith' }))),
    expect: { status: 400, field: 'name', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a NUL byte in the name on PUT',
    request: put(json({ name: '\u0000' })),
    expect: { status: 400, field: 'name', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a NUL byte in sex',
    request: post(json(person({ sex: 'male\u0000' }))),
    expect: { status: 400, field: 'sex', code: 'not-allowed' },
  },
  {
    kind: 'http',
    name: 'a NUL byte in a property name',
    request: post(withRaw('na\u0000me', '"x"')),
    expect: { status: 400, field: 'na\u0000me', code: 'unknown-property' },
  },
  {
    kind: 'http',
    name: 'a C1 control character (U+009B CSI) in the name',
    request: post(json(person({ name: 'Mr. \u009b31m Red' }))),
    expect: { status: 400, field: 'name', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a lone UTF-16 surrogate (\\ud800) in the name',
    request: post(json(person({ name: 'Mr. \ud800 Smith' }))),
    expect: { status: 400, field: 'name', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a lone UTF-16 surrogate (\\udc00) in the name on PUT',
    request: put(json({ name: 'Smith \udc00' })),
    expect: { status: 400, field: 'name', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'accepted: a unicode name (accents, CJK, RTL, a ZWJ emoji, a combining mark) round-trips',
    request: post(json(person({ name: UNICODE_NAME }))),
    expect: { accept: { status: 201, storedNames: [UNICODE_NAME] } },
  },
  {
    kind: 'http',
    name: 'accepted: 100 astral characters (200 UTF-16 units) count as 100',
    request: post(json(person({ name: ASTRAL_100 }))),
    expect: { accept: { status: 201, storedNames: [ASTRAL_100] } },
  },
  {
    kind: 'http',
    name: '101 astral characters are too long',
    request: post(json(person({ name: `${ASTRAL_100}🚢` }))),
    expect: { status: 400, field: 'name', code: 'too-long' },
  },
  // SQL in every string field, the cursor and the limit
  {
    kind: 'http',
    name: 'accepted: SQL in the name is stored as text',
    request: post(json(person({ name: SQL_NAME }))),
    expect: { accept: { status: 201, storedNames: [SQL_NAME] } },
  },
  {
    kind: 'http',
    name: 'SQL in the uuid of the path',
    request: get(`/people/${encodeURIComponent("1' OR '1'='1")}`),
    expect: { status: 400, field: 'uuid', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'SQL in the cursor (raw)',
    request: get(`/people?cursor=${encodeURIComponent("' OR 1=1 --")}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'SQL in the cursor (base64url of v1: and SQL)',
    request: get(`/people?cursor=${Buffer.from("v1:' OR 1=1 --").toString('base64url')}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  // Limits
  ...['1e3', '0x10', '-0', '1001'].map((limit): HostileCase => ({
    kind: 'http',
    name: `limit=${limit}`,
    request: get(`/people?limit=${encodeURIComponent(limit)}`),
    expect: { status: 400, field: 'limit', code: 'out-of-range' },
  })),
  {
    kind: 'http',
    name: 'limit given twice',
    request: get('/people?limit=1&limit=2'),
    expect: { status: 400, field: 'limit', code: 'out-of-range' },
  },
  // Cursors
  {
    kind: 'http',
    name: 'a truncated cursor (the last character cut off)',
    request: get((ctx) => `/people?cursor=${ctx.cursor.slice(0, -1)}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a forged cursor: another version prefix',
    request: get(`/people?cursor=${Buffer.from(`v2:${uuid}`).toString('base64url')}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a forged cursor: a valid one with junk appended',
    request: get((ctx) => `/people?cursor=${ctx.cursor}AAAA`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a cursor of 10 000 characters',
    request: get(`/people?cursor=${'A'.repeat(10000)}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a cursor given twice',
    request: get((ctx) => `/people?cursor=${ctx.cursor}&cursor=${ctx.cursor}`),
    expect: { status: 400, field: 'cursor', code: 'invalid-format' },
  },
  // Path traversal in ids
  {
    kind: 'http',
    name: 'path traversal: /people/../../etc/passwd (raw)',
    request: get('/people/../../etc/passwd'),
    expect: { status: 404, detail: /^No such resource: GET \/people\/\.\.\/\.\.\/etc\/passwd\.$/ },
  },
  {
    kind: 'http',
    name: 'path traversal: ..%2F..%2Fetc%2Fpasswd as the id',
    request: get('/people/..%2F..%2Fetc%2Fpasswd'),
    expect: { status: 400, field: 'uuid', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'path traversal: %2e%2e as the id of a PUT',
    request: { method: 'PUT', path: '/people/%2e%2e', json: { age: 1 } },
    expect: { status: 400, field: 'uuid', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a uuid with a trailing newline (%0A)',
    request: get(`/people/${uuid}%0A`),
    expect: { status: 400, field: 'uuid', code: 'invalid-format' },
  },
  {
    kind: 'http',
    name: 'a malformed percent-encoding in the id',
    request: get('/people/%E0%A4%A'),
    expect: { status: 400, detail: /Failed to decode param '%E0%A4%A'/ },
  },
  // Methods
  {
    kind: 'http',
    name: 'wrong method: PATCH /people/{uuid}',
    request: { method: 'PATCH', path: (ctx) => `/people/${ctx.existing}`, json: { age: 1 } },
    expect: { status: 405, allow: 'GET, HEAD, PUT, DELETE' },
  },
  {
    kind: 'http',
    name: 'wrong method: DELETE /people',
    request: { method: 'DELETE', path: '/people' },
    expect: { status: 405, allow: 'GET, HEAD, POST' },
  },
  {
    kind: 'http',
    name: 'wrong method: OPTIONS /people/{uuid}',
    request: { method: 'OPTIONS', path: (ctx) => `/people/${ctx.existing}` },
    expect: { status: 405, allow: 'GET, HEAD, PUT, DELETE' },
  },
  {
    kind: 'http',
    name: 'wrong method: POST /people/openapi.json',
    request: { method: 'POST', path: '/people/openapi.json', json: person() },
    expect: { status: 405, allow: 'GET, HEAD' },
  },
  // Sizes, headers and media types
  {
    kind: 'http',
    name: 'an oversized JSON body (1 MB and one byte)',
    request: post(withRaw('padding', json('x'.repeat(1024 * 1024)))),
    expect: { status: 413, detail: /the limit is 1048576 bytes/ },
  },
  {
    kind: 'http',
    name: 'an oversized header (20 KB)',
    request: { ...get('/people'), headers: { 'x-filler': 'x'.repeat(20 * 1024) } },
    expect: { status: 431, problem: false },
  },
  {
    kind: 'http',
    name: 'an oversized URL (20 KB)',
    request: get(`/people?limit=1&pad=${'x'.repeat(20 * 1024)}`),
    expect: { status: 431, problem: false },
  },
  {
    kind: 'http',
    name: 'no Content-Type on POST',
    request: { method: 'POST', path: '/people', body: json(person()) },
    expect: { status: 415, detail: /got no Content-Type/ },
  },
  {
    kind: 'http',
    name: 'JSON in a charset JSON cannot have (ISO-8859-1)',
    request: post(Buffer.from(json(person()), 'latin1'), {
      'content-type': 'application/json; charset=iso-8859-1',
    }),
    expect: { status: 415, detail: /unsupported charset "ISO-8859-1"/ },
  },
  {
    kind: 'http',
    name: 'a gzip Content-Encoding over a body that is not gzip',
    request: post('this is not gzip', { 'content-encoding': 'gzip' }),
    expect: { status: 400, detail: /not valid compressed data for its Content-Encoding/ },
  },
  {
    kind: 'http',
    name: 'an Accept the API cannot satisfy',
    request: get('/people', { accept: 'application/xml' }),
    expect: { status: 406, detail: /application\/json or text\/html/ },
  },
  // HTML
  {
    kind: 'http',
    name: 'accepted: HTML and script in the name, escaped on every HTML page',
    request: post(json(person({ name: HTML_NAME }))),
    expect: { accept: { status: 201, storedNames: [HTML_NAME], check: 'html-escaped' } },
  },
];

// Two of the formula prefixes a spreadsheet runs (=, @); + and - take the same path here.
const FORMULAS = ["=cmd|' /C calc'!A0", '@SUM(1)'];
const quoted = (cell: string) => `"${cell.replaceAll('"', '""')}"`;

export const csvCases: HostileCase[] = [
  {
    kind: 'csv',
    name: 'CSV: a wrong header',
    csv: 'Survived,Class,Name\n1,1,X\n',
    expect: { status: 400, detail: /line 1: the header is not a passenger header/ },
  },
  {
    kind: 'csv',
    name: 'CSV: an empty file',
    csv: '',
    expect: { status: 400, detail: /the file is empty/ },
  },
  {
    kind: 'csv',
    name: 'CSV: a quote never closed',
    csv: `${HEADER}\n${ROW('Mr. A')}\n1,1,"Mrs. B`,
    expect: { status: 400, detail: /line 3: a quoted field is not closed/ },
  },
  {
    kind: 'csv',
    name: 'CSV: bytes that are not UTF-8',
    csv: Buffer.concat([
      Buffer.from(`${HEADER}\n${ROW('Mr. A')}\n0,3,M`),
      Buffer.from([0xe9, 0x6c]),
      Buffer.from('e,male,22,1,0,7.25\n'),
    ]),
    expect: { status: 400, detail: /line 3: the file is not UTF-8/ },
  },
  {
    kind: 'csv',
    name: 'CSV: a UTF-16 file',
    csv: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\n`, 'utf16le')]),
    expect: { status: 400, detail: /line 1/ },
  },
  {
    kind: 'csv',
    name: 'CSV: a ragged row (too few cells)',
    csv: `${HEADER}\n${ROW('Mr. A')}\n0,3,Mr. D,male,35,0,0\n`,
    expect: { status: 400, line: 3, field: 'record', code: 'wrong-length' },
  },
  {
    kind: 'csv',
    name: 'CSV: a ragged row (too many cells)',
    csv: `${HEADER}\n${ROW('Mr. A')},extra,cells\n`,
    expect: { status: 400, line: 2, field: 'record', code: 'wrong-length' },
  },
  {
    kind: 'csv',
    name: 'CSV: an out-of-range age',
    csv: `${HEADER}\n${ROW('Mr. A')}\n0,3,Mr. C,male,151,0,0,8.05\n`,
    expect: { status: 400, line: 3, field: 'Age', code: 'out-of-range' },
  },
  {
    kind: 'csv',
    name: 'CSV: an unknown sex',
    csv: `${HEADER}\n0,3,Mr. B,robot,22,1,0,7.25\n`,
    expect: { status: 400, line: 2, field: 'Sex', code: 'not-allowed' },
  },
  {
    kind: 'csv',
    name: 'CSV: NaN and 1e400 in number cells',
    csv: `${HEADER}\n0,3,Mr. B,male,NaN,1,0,1e400\n`,
    expect: { status: 400, line: 2, field: 'Age' },
  },
  {
    kind: 'csv',
    name: 'CSV: a NUL byte in a name',
    csv: `${HEADER}\n${ROW('Mr. \u0000A')}\n`,
    expect: { status: 400, line: 2, field: 'Name', code: 'invalid-format' },
  },
  {
    kind: 'csv',
    name: 'CSV: a name over 100 characters',
    csv: `${HEADER}\n${ROW('x'.repeat(101))}\n`,
    expect: { status: 400, line: 2, field: 'Name', code: 'too-long' },
  },
  {
    kind: 'csv',
    name: 'CSV: random binary bytes',
    csv: Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) % 256)),
    expect: { status: 400, detail: /line 1: the file is not UTF-8/ },
  },
  ...FORMULAS.map((formula): HostileCase => ({
    kind: 'csv',
    name: `CSV accepted: the formula ${formula} in Name is stored as literal text`,
    csv: `${HEADER}\n${ROW(quoted(formula))}\n`,
    expect: { accept: { status: 200, imported: 1, storedNames: [formula] } },
  })),
  {
    kind: 'csv',
    name: 'CSV accepted: SQL in a name is stored as text',
    csv: `${HEADER}\n${ROW(quoted(SQL_NAME))}\n`,
    expect: { accept: { status: 200, imported: 1, storedNames: [SQL_NAME] } },
  },
  {
    kind: 'csv',
    name: 'CSV accepted: a path and SQL in the upload file name are neutralised',
    csv: `${HEADER}\n${ROW('Mr. Upload')}\n`,
    headers: {
      'content-disposition': `attachment; filename="../../etc/passwd'; DROP TABLE person;--.csv"`,
    },
    expect: {
      accept: {
        status: 200,
        imported: 1,
        storedNames: ['Mr. Upload'],
        source: '.._.._etc_passwd_',
      },
    },
  },
  {
    kind: 'csv',
    name: "CSV accepted: a malformed percent-encoding in the upload file name (filename*=UTF-8'')",
    csv: `${HEADER}\n${ROW('Mr. Percent')}\n`,
    headers: { 'content-disposition': "attachment; filename*=UTF-8''%E0%A4%A.csv" },
    expect: {
      accept: { status: 200, imported: 1, storedNames: ['Mr. Percent'], source: '_E0_A4_A.csv' },
    },
  },
];

/** A valid person.created event, optionally changed. */
export function validEvent(changes: Record<string, unknown> = {}): Record<string, unknown> {
  const id = randomUUID();
  return {
    ...createEvent('person.created', {
      subject: id,
      actor: 'api-key:ci',
      data: { ...personData({ name: 'Event person' }), uuid: id } as never,
    }),
    ...changes,
  };
}
const deliver = (data: Buffer | string, attributes?: Record<string, string>) =>
  pushBody({ data, attributes });
const eventBytes = (event: unknown) => Buffer.from(JSON.stringify(event));

export const eventCases: HostileCase[] = [
  // The push body is decoded by the one consumer runtime (events/consumer.ts) both consumers
  // share: its refusals are tried on project-stats; each consumer's router on both.
  ...(['project-stats', 'audit-log'] as const).map((consumer): HostileCase => ({
    kind: 'event',
    name: `${consumer}: an unknown event type`,
    consumer,
    push: () => deliver(eventBytes(validEvent({ type: 'person.exploded' }))),
    expect: { deadLetter: /unknown event type "person.exploded"/ },
  })),
  {
    kind: 'event',
    name: 'project-stats: base64 garbage in message.data',
    consumer: 'project-stats',
    push: () => deliver('!!!not base64!!!', { type: 'person.created' }),
    expect: { deadLetter: /not base64/ },
  },
  {
    kind: 'event',
    name: 'project-stats: valid base64 of text that is not JSON',
    consumer: 'project-stats',
    push: () => deliver(Buffer.from('hello, not json')),
    expect: { deadLetter: /not UTF-8 JSON/ },
  },
  {
    kind: 'event',
    name: "project-stats: a giant payload (11 MB, over Pub/Sub's own 10 MB)",
    consumer: 'project-stats',
    push: () => deliver(Buffer.alloc(11 * 1024 * 1024, 'a')),
    expect: { deadLetter: /at most 1048576/ },
  },
  {
    kind: 'event',
    name: 'project-stats: valid base64 of bytes that are not UTF-8',
    consumer: 'project-stats',
    push: () => deliver(Buffer.from([0xff, 0xfe, 0x7b, 0x00])),
    expect: { deadLetter: /not UTF-8 JSON/ },
  },
  {
    kind: 'event',
    name: 'project-stats: JSON that is not an envelope (a number)',
    consumer: 'project-stats',
    push: () => deliver(Buffer.from('42')),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: an envelope missing its id',
    consumer: 'project-stats',
    push: () => {
      const { id: _id, ...event } = validEvent();
      return deliver(eventBytes(event));
    },
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: an envelope missing its type',
    consumer: 'project-stats',
    push: () => {
      const { type: _type, ...event } = validEvent();
      return deliver(eventBytes(event));
    },
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: wrong types in the envelope (numbers for strings)',
    consumer: 'project-stats',
    push: () => deliver(eventBytes(validEvent({ id: 42, time: 0, actor: 7 }))),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: a __proto__ key in the envelope',
    consumer: 'project-stats',
    push: () =>
      deliver(
        Buffer.from(JSON.stringify(validEvent()).replace(/}$/, ',"__proto__":{"polluted":true}}')),
      ),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: a huge number in the person (age 1e400)',
    consumer: 'project-stats',
    push: () =>
      deliver(Buffer.from(JSON.stringify(validEvent()).replace(/"age":22/, '"age":1e400'))),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: a NUL byte in the envelope id (kept out of dead_letter text)',
    consumer: 'project-stats',
    push: () => deliver(eventBytes(validEvent({ id: 'x\u0000y' }))),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'project-stats: a lone surrogate in the envelope id and actor',
    consumer: 'project-stats',
    push: () => deliver(eventBytes(validEvent({ id: 'x\ud800', actor: '\udc00' }))),
    expect: { deadLetter: /invalid envelope/ },
  },
  ...['2026-02-30T00:00:00Z', '0000-01-01T00:00:00Z', '2026-01-01T24:00:00Z'].map(
    (time): HostileCase => ({
      kind: 'event',
      name: `audit-log: an impossible time in the envelope (${time})`,
      consumer: 'audit-log',
      push: () => deliver(eventBytes(validEvent({ time }))),
      expect: { deadLetter: /invalid envelope/ },
    }),
  ),
  {
    kind: 'event',
    name: 'audit-log: a NUL byte in the source of a people.imported',
    consumer: 'audit-log',
    push: () =>
      deliver(
        eventBytes(
          validEvent({
            type: 'people.imported',
            data: { source: 'a\u0000.csv', imported: 1, rejected: 0 },
          }),
        ),
      ),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'audit-log: a NUL byte in the attributes and the message id',
    consumer: 'audit-log',
    push: () =>
      pushBody(
        { data: '!!', attributes: { type: 'person.created\u0000', id: 'a\u0000b' } },
        'm\u0000id',
      ),
    expect: { deadLetter: /not base64/ },
  },
  {
    kind: 'event',
    name: 'audit-log: a NUL byte in the name of a person.created',
    consumer: 'audit-log',
    push: () =>
      deliver(
        eventBytes(
          validEvent({
            data: { ...personData({ name: 'A\u0000B' }), uuid: randomUUID() },
          }),
        ),
      ),
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'audit-log: attributes of the wrong type (numbers, an object)',
    consumer: 'audit-log',
    push: () => {
      const body = deliver(Buffer.from('{nope'));
      return {
        ...body,
        message: { ...body.message, attributes: { type: 7, id: { a: 1 }, traceparent: [1] } },
      };
    },
    expect: { deadLetter: /not UTF-8 JSON/ },
  },
  {
    kind: 'event',
    name: 'audit-log: accepted: a valid event without its type and id attributes is applied from its data',
    consumer: 'audit-log',
    push: () => deliver(eventBytes(validEvent({ actor: "x'); DROP TABLE audit_log;--" }))),
    expect: { applied: true, auditActor: "x'); DROP TABLE audit_log;--" },
  },
  {
    kind: 'event',
    name: 'audit-log: attributes that contradict the data (data wins, validated)',
    consumer: 'audit-log',
    push: () => {
      const event = validEvent({ type: 'person.deleted' });
      return deliver(eventBytes(event), { type: 'person.created', id: String(event.id) });
    },
    expect: { deadLetter: /invalid envelope/ },
  },
  {
    kind: 'event',
    name: 'audit-log: a message with no data',
    consumer: 'audit-log',
    push: () => {
      const body = deliver(Buffer.from('x'));
      const { data: _data, ...message } = body.message;
      return { ...body, message };
    },
    // functions-framework only recognises a push body whose message has data; without it the
    // body is not converted, and the consumer sees no message at all.
    expect: { deadLetter: /the request carries no Pub\/Sub message/ },
  },
  {
    kind: 'event',
    name: 'audit-log: an envelope without message (only a subscription)',
    consumer: 'audit-log',
    push: () => ({ subscription: 'projects/demo-manifest/subscriptions/test' }),
    expect: { deadLetter: /no Pub\/Sub message/ },
  },
  {
    kind: 'event',
    name: 'audit-log: a body that is not the push shape (a JSON array)',
    consumer: 'audit-log',
    push: () => [1, 2, 3],
    expect: { deadLetter: /no Pub\/Sub message/ },
  },
  {
    kind: 'event',
    name: 'audit-log: a body that is not JSON at all',
    consumer: 'audit-log',
    contentType: 'application/json',
    push: () => '{"message": ',
    expect: { status: 400, detail: /not valid JSON/ },
  },
];
