import { Type } from '@sinclair/typebox';
import { RETRY_AFTER_SECONDS } from '../http/errors';
import { FIELD_ERROR_CODES, StringEnum } from '../validation';

/**
 * The parts of the people API's OpenAPI document that are not the people's own: the problem
 * bodies, the response headers the HTTP layer sends, and the responses any operation can get
 * from it (http/app.ts, http/auth.ts, http/errors.ts), whatever the route.
 */

const ref = (kind: 'schemas' | 'headers' | 'responses', name: string) => ({
  $ref: `#/components/${kind}/${name}`,
});
export const schemaRef = (name: string) => ref('schemas', name);
const fieldErrorRef = Type.Unsafe(schemaRef('FieldError'));

const FieldError = Type.Object({
  field: Type.String({
    description:
      'The bad field, e.g. `age`, or the query or path parameter. For a row of an imported CSV file, the column as the file names it (`Pclass`), or `record` for a row with too many or too few fields.',
  }),
  code: StringEnum(FIELD_ERROR_CODES, {
    description:
      'The rule broken. `wrong-length`: a CSV record with too many or too few fields; `invalid`: any other rule of the schema.',
  }),
  message: Type.String(),
  line: Type.Optional(Type.Integer({ description: 'For a row of an imported file: its line.' })),
});

const Problem = Type.Object({
  type: Type.String({ format: 'uri-reference' }),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  errors: Type.Optional(Type.Array(fieldErrorRef)),
});

const ImportRejection = Type.Object(
  {
    type: Type.String({ format: 'uri-reference' }),
    title: Type.String(),
    status: Type.Literal(400),
    detail: Type.String(),
    errors: Type.Array(fieldErrorRef, {
      description: 'Each bad field of the first 100 bad rows, with its `line`.',
    }),
    rejected: Type.Integer({ description: 'How many rows of the file are invalid.' }),
    listed: Type.Integer({ description: 'How many of them `errors` lists (at most 100).' }),
  },
  {
    description:
      'A CSV body with invalid rows, imported all or nothing: nothing was imported (send `?skipInvalid=true` to keep the valid rows).',
  },
);

const ImportSummary = Type.Object({
  source: Type.String(),
  imported: Type.Integer(),
  rejected: Type.Integer(),
  seconds: Type.Number(),
  rejects: Type.Optional(
    Type.Array(Type.Object({ line: Type.Integer(), errors: Type.Array(fieldErrorRef) })),
  ),
});

/** What `GET /people/openapi.json` answers: an OpenAPI 3.1 document (its outline). */
const OpenApiDocument = Type.Object({
  openapi: Type.String({ pattern: '^3\\.1\\.\\d+$' }),
  info: Type.Object({ title: Type.String(), version: Type.String() }),
  paths: Type.Record(Type.String(), Type.Object({})),
  components: Type.Optional(Type.Object({})),
});

export const commonSchemas = {
  Problem,
  FieldError,
  ImportRejection,
  ImportSummary,
  OpenApiDocument,
};

const header = (description: string, schema: object = { type: 'string' }) => ({
  description,
  schema,
});

/** Every response header the HTTP layer sends, described once. */
export const commonHeaders = {
  'Cache-Control': header(
    '`no-store` on every error and every answer to a write; `public, max-age=300` on this document.',
  ),
  'X-Content-Type-Options': header('Always `nosniff`.', { type: 'string', const: 'nosniff' }),
  'Content-Security-Policy': header(
    'JSON answers allow nothing; HTML pages allow their own stylesheet (by hash) and nothing else.',
  ),
  'X-Frame-Options': header('HTML pages: `DENY`.', { type: 'string', const: 'DENY' }),
  'Referrer-Policy': header('HTML pages: `no-referrer`.', { type: 'string', const: 'no-referrer' }),
  'Cross-Origin-Opener-Policy': header('HTML pages: `same-origin`.', {
    type: 'string',
    const: 'same-origin',
  }),
  'Retry-After': {
    ...header('Seconds to wait before retrying.', {
      type: 'string',
      const: String(RETRY_AFTER_SECONDS),
    }),
    required: true,
  },
  'WWW-Authenticate': {
    ...header(
      'The scheme to use: `Bearer realm="manifest"`, with `error="invalid_token"` for a key that is not valid.',
      { type: 'string', pattern: '^Bearer realm="manifest"' },
    ),
    required: true,
  },
  'Accept-Post': header('The media types `POST` accepts.'),
};

/** The header references a response can carry: security ones always, HTML ones with a page. */
export function headersOf(names: (keyof typeof commonHeaders)[], html = false) {
  const always: (keyof typeof commonHeaders)[] = [
    'Cache-Control',
    'X-Content-Type-Options',
    'Content-Security-Policy',
  ];
  const page: (keyof typeof commonHeaders)[] = html
    ? ['X-Frame-Options', 'Referrer-Policy', 'Cross-Origin-Opener-Policy']
    : [];
  return Object.fromEntries(
    [...always, ...page, ...names].map((name) => [name, ref('headers', name)]),
  );
}

/** A problem+json response. */
export function problem(description: string, headers: (keyof typeof commonHeaders)[] = []) {
  return {
    description,
    headers: headersOf(headers),
    content: { 'application/problem+json': { schema: schemaRef('Problem') } },
  };
}

/** A required header whose value is fixed (`Allow` on a 405, which lists the path's methods). */
export function fixedHeader(description: string, value: string) {
  return { description, required: true, schema: { type: 'string', const: value } };
}

/** Responses any operation can get from the HTTP layer, before or around its route. */
export const commonResponses = {
  BadBody: problem(
    'A body that could not be read or parsed (malformed JSON, with any method), or, where the operation takes parameters or a body, one that breaks their rules: each bad field is named in `errors`.',
  ),
  Unauthorized: problem(
    'No API key, or one that is not valid. Writes always need one; reads only where the deployment sets READ_REQUIRES_AUTH.',
    ['WWW-Authenticate'],
  ),
  NotAcceptable: problem('An `Accept` header that allows neither JSON nor HTML.'),
  TooLarge: problem('A body over the limit: 1 MB of JSON, 32 MB of CSV.'),
  UnsupportedMediaType: problem(
    'A body whose media type or charset the operation does not take (`Accept-Post` lists what `POST` does).',
    ['Accept-Post'],
  ),
  HeadersTooLarge: {
    description: 'Headers or a URL over 16 KiB: answered by Node before any code of ours, no body.',
  },
  Unexpected: problem('An unexpected error; it is logged, and the answer reveals nothing of it.'),
  Unavailable: problem(
    'The database is unreachable, or its schema has pending migrations: retry after `Retry-After` seconds.',
    ['Retry-After'],
  ),
};

export type CommonResponse = keyof typeof commonResponses;
export const responseRef = (name: CommonResponse) => ref('responses', name);
