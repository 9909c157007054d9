import { randomUUID } from 'node:crypto';
import { createEvent, validateEnvelope } from '../../shared/events/envelope';

const person = {
  uuid: randomUUID(),
  survived: true,
  passengerClass: 1,
  name: 'Miss. Elisabeth Walton Allen',
  sex: 'female' as const,
  age: 29,
  siblingsOrSpousesAboard: 0,
  parentsOrChildrenAboard: 0,
  fare: 211.3375,
};

const created = () =>
  createEvent('person.created', { subject: person.uuid, actor: 'test', data: person });

describe('the event envelope', () => {
  it('creates valid events of every type', () => {
    const previous = { ...person, age: 28 };
    const events = [
      created(),
      createEvent('person.updated', {
        subject: person.uuid,
        actor: 'test',
        data: person,
        previous,
      }),
      createEvent('person.deleted', {
        subject: person.uuid,
        actor: 'test',
        data: { uuid: person.uuid },
        previous,
      }),
      createEvent('people.imported', {
        subject: randomUUID(),
        actor: 'test',
        data: { source: 'titanic.csv', imported: 887, rejected: 0 },
      }),
    ];
    for (const event of events)
      expect(validateEnvelope(JSON.parse(JSON.stringify(event)))).toEqual({ event });
  });

  it('refuses to create an invalid event', () => {
    expect(() =>
      createEvent('person.created', {
        subject: person.uuid,
        actor: 'test',
        data: { ...person, age: -1 },
      }),
    ).toThrow(/age must be >= 0/);
  });

  it.each([
    ['not an object', () => 'x', /body must be an object/],
    ['a missing id', () => ({ ...created(), id: undefined }), /id is required/],
    ['a malformed id', () => ({ ...created(), id: 'nope' }), /id must match format "uuid"/],
    [
      'a type of one word',
      () => ({ ...created(), type: 'person' }),
      /type must be two dot-separated lower-case words/,
    ],
    [
      'an unknown type',
      () => ({ ...created(), type: 'person.exploded' }),
      /unknown event type "person.exploded"/,
    ],
    [
      'data of the wrong shape',
      () => ({ ...created(), data: { uuid: person.uuid } }),
      /data.name is required/,
    ],
    [
      'an update without its previous state',
      () => ({ ...created(), type: 'person.updated' }),
      /previous is required/,
    ],
    ['an extra field', () => ({ ...created(), extra: 1 }), /extra is not a known property/],
    [
      'a bad time',
      () => ({ ...created(), time: 'yesterday' }),
      /time must match format "date-time"/,
    ],
  ])('refuses %s, saying why', (_case, value, why) => {
    // Built here, not in the table: a createEvent that throws fails this test, not the collection.
    const result = validateEnvelope(JSON.parse(JSON.stringify(value())));
    expect(result).toHaveProperty('invalid');
    expect((result as { invalid: { reason: string } }).invalid.reason).toMatch(why);
  });

  it('keeps the claimed id of an invalid envelope for the dead-letter record', () => {
    const event = { ...created(), type: 'person.exploded' };
    expect(validateEnvelope(event)).toEqual({ invalid: expect.objectContaining({ id: event.id }) });
    // Refused by the common fields too (the id is logged and stored with the reason).
    const badTime = { ...created(), time: 'yesterday' };
    expect(validateEnvelope(badTime)).toEqual({
      invalid: { reason: 'invalid envelope: time must match format "date-time"', id: badTime.id },
    });
    // Whatever the id claims, at most 64 characters of it.
    expect(validateEnvelope({ ...badTime, id: 'x'.repeat(100) })).toEqual({
      invalid: {
        reason: expect.stringContaining('id must match format "uuid"'),
        id: 'x'.repeat(64),
      },
    });
  });

  it.each([
    ['a string', 'x'],
    ['null', null],
    ['an array', [1]],
    ['an id that is a number', { id: 7 }],
    ['no id', { type: 'person.created' }],
  ])('claims no id for %s', (_case, value) => {
    expect(validateEnvelope(value)).toEqual({
      invalid: { reason: expect.stringMatching(/^invalid envelope: /), id: undefined },
    });
  });

  it('lists every problem in its reason, separated by "; "', () => {
    const { time: _time, actor: _actor, ...rest } = created();
    expect(validateEnvelope(rest)).toEqual({
      invalid: { reason: 'invalid envelope: time is required; actor is required', id: rest.id },
    });
  });
});
