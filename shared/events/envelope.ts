import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { Person } from '../people/schema';
import { compileValidator, type Validator } from '../validation';

/**
 * The one event envelope. Every change becomes one of these, validated when it is written to
 * the outbox and again when a consumer receives it. Event types are `<entity>.<action>`
 * (two lower-case words): subscription filters rely on that shape (see filter.ts).
 */

export const EVENT_TYPE_PATTERN = '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$';
const Uuid = Type.String({ format: 'uuid' });
/**
 * Free text in an envelope is stored by consumers as text and jsonb, which hold neither NUL
 * nor an unpaired UTF-16 surrogate: an event carrying one would fail on every redelivery.
 */
const storableText = {
  pattern: '^[^\\u0000\\p{Cs}]*$',
  'x-pattern-message': 'must not contain NUL or unpaired surrogates',
} as const;

const EnvelopeFields = {
  id: Type.String({
    format: 'uuid',
    description: 'Unique per event; consumers deduplicate on it.',
  }),
  type: Type.String({
    pattern: EVENT_TYPE_PATTERN,
    'x-pattern-message': 'must be two dot-separated lower-case words',
  }),
  time: Type.String({
    format: 'date-time',
    // RFC 3339 allows year 0000; PostgreSQL's timestamptz does not (there is no year 0), and an
    // event its consumers cannot store would fail on every redelivery instead of dead-lettering.
    pattern: '^(?!0000-)',
    'x-pattern-message': 'must be in year 0001 or later',
    description: 'When the change happened.',
  }),
  subject: Type.String({
    format: 'uuid',
    description: "The person's uuid (for imports: the import's).",
  }),
  actor: Type.String({
    minLength: 1,
    maxLength: 200,
    ...storableText,
    description: 'Who caused the change.',
  }),
};

/** What every envelope has, whatever its type. */
export const EnvelopeBase = Type.Object(
  { ...EnvelopeFields, data: Type.Unknown(), previous: Type.Optional(Type.Unknown()) },
  { additionalProperties: false },
);

const ImportSummary = Type.Object(
  {
    source: Type.String({ minLength: 1, maxLength: 500, ...storableText }),
    imported: Type.Integer({ minimum: 0 }),
    rejected: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

const closed = { additionalProperties: false } as const;
const fieldsOf = <T extends string>(type: T) => ({ ...EnvelopeFields, type: Type.Literal(type) });

/** Each event type's own schema: what `data` and `previous` (the state before) hold. */
export const eventSchemas = {
  'person.created': Type.Object({ ...fieldsOf('person.created'), data: Person }, closed),
  'person.updated': Type.Object(
    { ...fieldsOf('person.updated'), data: Person, previous: Person },
    closed,
  ),
  'person.deleted': Type.Object(
    { ...fieldsOf('person.deleted'), data: Type.Object({ uuid: Uuid }, closed), previous: Person },
    closed,
  ),
  'people.imported': Type.Object({ ...fieldsOf('people.imported'), data: ImportSummary }, closed),
};

export type EventType = keyof typeof eventSchemas;
export const eventTypes = Object.keys(eventSchemas) as EventType[];
export type EventOf<T extends EventType> = Static<(typeof eventSchemas)[T]>;
export type ManifestEvent = { [T in EventType]: EventOf<T> }[EventType];

const validBase = compileValidator(EnvelopeBase);
const validByType = Object.fromEntries(
  eventTypes.map((type) => [type, compileValidator(eventSchemas[type])]),
) as { [T in EventType]: Validator<EventOf<T>> };

/** An envelope was refused: why, in words, and which event id it claimed (if readable). */
export interface InvalidEnvelope {
  reason: string;
  id?: string;
}

/**
 * Checks a decoded envelope: the common fields, then the type's own schema.
 * @returns the typed event, or why it is invalid
 */
export function validateEnvelope(
  value: unknown,
): { event: ManifestEvent } | { invalid: InvalidEnvelope } {
  const claimedId =
    value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string'
      ? String((value as { id: string }).id).slice(0, 64)
      : undefined;
  if (!validBase(value)) {
    return { invalid: { reason: describe(validBase.problems()), id: claimedId } };
  }
  const base = value as Static<typeof EnvelopeBase>;
  const validator = validByType[base.type as EventType] as Validator<ManifestEvent> | undefined;
  if (!validator) return { invalid: { reason: `unknown event type "${base.type}"`, id: base.id } };
  if (!validator(value))
    return { invalid: { reason: describe(validator.problems()), id: base.id } };
  return { event: value };
}

function describe(problems: { message: string }[]): string {
  return `invalid envelope: ${problems.map((p) => p.message).join('; ')}`;
}

/** Builds a new event of a type, with a fresh id and the current time. */
export function createEvent<T extends EventType>(
  type: T,
  fields: { subject: string; actor: string; data: EventOf<T>['data']; previous?: unknown },
): EventOf<T> {
  const event = {
    id: randomUUID(),
    type,
    time: new Date().toISOString(),
    subject: fields.subject,
    actor: fields.actor,
    data: fields.data,
    ...(fields.previous !== undefined ? { previous: fields.previous } : {}),
  };
  // The type's own schema holds every rule of the common one (EnvelopeFields, closed): one
  // validation, where validateEnvelope (for envelopes of unknown type) runs both.
  const valid = validByType[type] as Validator<unknown>;
  if (!valid(event))
    throw new Error(`refusing to create an invalid ${type} event: ${describe(valid.problems())}`);
  return event as EventOf<T>;
}
