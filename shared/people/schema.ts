import { Type, type Static } from '@sinclair/typebox';
import { MAX_DECIMAL_PLACES, StringEnum } from '../validation';
import { CURSOR_SHAPE } from './cursor';

/**
 * The people API's data and parameters, as JSON Schema (2020-12, as OpenAPI 3.1 uses it).
 * These objects are the single source of the rules: the OpenAPI document embeds them, ajv
 * validates requests (bodies, queries, paths) and imported rows with them, and
 * migrations/…_create_person.ts mirrors the data's rules as CHECKs.
 */

const fields = {
  survived: Type.Boolean({ description: 'Whether the passenger survived.', default: false }),
  passengerClass: Type.Integer({ minimum: 1, maximum: 3, description: 'Ticket class: 1, 2 or 3.' }),
  name: Type.String({
    minLength: 1,
    maxLength: 100,
    // At least one visible character; no control characters (NUL, line breaks, escapes) and
    // no unpaired UTF-16 surrogate (valid JSON, but no UTF-8 text can hold it: PostgreSQL's
    // jsonb refuses the event carrying it, and text would silently become U+FFFD).
    pattern: '^(?=.*\\S)[^\\p{Cc}\\p{Cs}]+$',
    'x-pattern-message': 'must not be blank or contain control characters or unpaired surrogates',
    description: 'Full name as on the passenger list, 1 to 100 characters.',
  }),
  sex: StringEnum(['male', 'female', 'other'], { description: 'male, female or other.' }),
  age: Type.Number({
    minimum: 0,
    maximum: 150,
    [MAX_DECIMAL_PLACES]: 2,
    description:
      "Age in years, up to two decimals (infants: 0.42). Kept exactly. `x-max-decimal-places` is enforced by the server (JSON Schema's `multipleOf: 0.01` says the same, but floating-point validators get it wrong).",
  }),
  siblingsOrSpousesAboard: Type.Integer({
    minimum: 0,
    maximum: 1000,
    description: 'Number of siblings or spouses aboard.',
  }),
  parentsOrChildrenAboard: Type.Integer({
    minimum: 0,
    maximum: 1000,
    description: 'Number of parents or children aboard.',
  }),
  fare: Type.Number({
    minimum: 0,
    maximum: 1000000,
    [MAX_DECIMAL_PLACES]: 4,
    description:
      "Fare paid, up to four decimals. Kept exactly. `x-max-decimal-places` is enforced by the server (JSON Schema's `multipleOf: 0.0001` says the same, but floating-point validators refuse fares such as 7.2292 with it).",
  }),
};

/** What a client sends to create a person; `survived` defaults to false. */
export const PersonData = Type.Object(
  {
    survived: Type.Optional(fields.survived),
    passengerClass: fields.passengerClass,
    name: fields.name,
    sex: fields.sex,
    age: fields.age,
    siblingsOrSpousesAboard: fields.siblingsOrSpousesAboard,
    parentsOrChildrenAboard: fields.parentsOrChildrenAboard,
    fare: fields.fare,
  },
  { additionalProperties: false },
);
export type PersonData = Static<typeof PersonData>;

/** A partial update: every field optional; present fields replace, absent ones stay. */
export const PersonUpdate = Type.Partial(
  Type.Object({ ...fields }, { additionalProperties: false }),
  { additionalProperties: false },
);
export type PersonUpdate = Static<typeof PersonUpdate>;

/** A stored person, as every read returns it. */
export const Person = Type.Object(
  {
    uuid: Type.String({ format: 'uuid', description: 'Assigned by the server.' }),
    ...fields,
  },
  { additionalProperties: false },
);
export type Person = Static<typeof Person>;

/** The names of a person's fields, in the order the API and the CSV import use. */
export const personFieldNames = Object.keys(fields) as (keyof typeof fields)[];

/** Page sizes of `GET /people`. */
export const PAGE_LIMIT = { min: 1, max: 1000, default: 100 } as const;

/**
 * The filters of `GET /people`: each optional, combined with AND. Their rules are the data's
 * (a class from 1 to 3, a sex of the three), except `name`: a case-insensitive substring of
 * the name, at least 2 characters (one would match nearly everyone, and no trigram index helps).
 */
export const ListFilter = Type.Object({
  passengerClass: Type.Optional(
    Type.Integer({ ...fields.passengerClass, description: 'Only this ticket class: 1, 2 or 3.' }),
  ),
  sex: Type.Optional(
    StringEnum(['male', 'female', 'other'], {
      description: 'Only this sex: male, female or other.',
    }),
  ),
  survived: Type.Optional(
    Type.Boolean({ description: 'Only those who survived (`true`) or did not (`false`).' }),
  ),
  name: Type.Optional(
    Type.String({
      minLength: 2,
      maxLength: fields.name.maxLength,
      pattern: '^[^\\p{Cc}\\p{Cs}]+$',
      'x-pattern-message': 'must not contain control characters or unpaired surrogates',
      description:
        'Only names containing this text, ignoring case (2 to 100 characters): `name=smith` finds "Mr. John Smith" and "Mrs. Smithers".',
    }),
  ),
});
export type ListFilter = Static<typeof ListFilter>;

/**
 * The query of `GET /people`: which page, and of which people. Query parameters arrive as
 * text; shared/validation/parameters.ts reads them as these types before validating.
 */
export const ListQuery = Type.Object({
  limit: Type.Optional(
    Type.Integer({
      minimum: PAGE_LIMIT.min,
      maximum: PAGE_LIMIT.max,
      default: PAGE_LIMIT.default,
      description: 'People per page.',
    }),
  ),
  cursor: Type.Optional(
    Type.String({
      pattern: CURSOR_SHAPE.pattern,
      'x-pattern-message': CURSOR_SHAPE.rule,
      description:
        'Opaque; take it from the previous page\'s `Link: <…>; rel="next"` header. It holds the filters it was issued for: with others it is refused (400).',
    }),
  ),
  ...ListFilter.properties,
});
export type ListQuery = Static<typeof ListQuery>;

/** The query of `POST /people`: how a CSV body treats invalid rows (a JSON body ignores it). */
export const CreateQuery = Type.Object({
  skipInvalid: Type.Optional(
    Type.Boolean({
      default: false,
      description:
        'For a CSV body: `true` imports the valid rows and reports the others (200); `false`, the default, imports nothing when any row is invalid (400).',
    }),
  ),
});
export type CreateQuery = Static<typeof CreateQuery>;

/** The path of one person, `/people/{uuid}`: the uuid in either case (answered in lower case). */
export const PersonPath = Type.Object({
  uuid: Type.String({
    format: 'uuid',
    // Not the format alone: ajv-formats' uuid also takes a `urn:uuid:` prefix.
    pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
    'x-pattern-message': 'must be a UUID like 3f2c…-…',
  }),
});
