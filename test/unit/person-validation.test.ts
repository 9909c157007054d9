import { compileValidator } from '../../shared/validation';
import { PersonData, PersonUpdate } from '../../shared/people/schema';

const validData = compileValidator(PersonData);
const validUpdate = compileValidator(PersonUpdate);

const person = {
  passengerClass: 1,
  name: 'Miss. Elisabeth Walton Allen',
  sex: 'female',
  age: 29,
  siblingsOrSpousesAboard: 0,
  parentsOrChildrenAboard: 0,
  fare: 211.3375,
};

function errorsFor(value: unknown) {
  expect(validData(value)).toBe(false);
  return validData.problems();
}

describe('person validation (the one schema)', () => {
  it('accepts a complete person, survived optional', () => {
    expect(validData(person)).toBe(true);
    expect(validData({ ...person, survived: true })).toBe(true);
  });

  it.each([0, 0.42, 0.83, 70.5, 150])('accepts the age %s', (age) => {
    expect(validData({ ...person, age })).toBe(true);
  });

  it.each([0, 7.925, 8.6625, 512.3292, 1000000])('accepts the fare %s', (fare) => {
    expect(validData({ ...person, fare })).toBe(true);
  });

  it.each([
    ['missing', { name: undefined }, 'name', /name is required/],
    ['wrong-type', { passengerClass: '1' }, 'passengerClass', /must be an integer/],
    ['wrong-type', { age: null }, 'age', /must be a number/],
    ['out-of-range', { passengerClass: 0 }, 'passengerClass', /must be >= 1/],
    ['out-of-range', { age: 151 }, 'age', /must be <= 150/],
    ['out-of-range', { parentsOrChildrenAboard: -1 }, 'parentsOrChildrenAboard', />= 0/],
    ['out-of-range', { fare: 1e308 }, 'fare', /<= 1000000/],
    ['too-long', { name: 'é'.repeat(101) }, 'name', /at most 100 characters/],
    ['too-short', { name: '' }, 'name', /at least 1/],
    ['invalid-format', { name: 'a\nb' }, 'name', /control characters/],
    ['invalid-format', { name: '\t' }, 'name', /blank/],
    [
      'unknown-property',
      { __proto__: 'x', constructor: 'y' },
      'constructor',
      /not a known property/,
    ],
    ['not-allowed', { sex: 'MALE' }, 'sex', /male, female, other/],
    ['too-precise', { age: 0.421 }, 'age', /at most 2 decimal places/],
    ['too-precise', { fare: 7.00001 }, 'fare', /at most 4 decimal places/],
    ['too-precise', { fare: 1e-7 }, 'fare', /at most 4 decimal places/],
  ])('reports %s for %j on %s', (code, overrides, field, message) => {
    const value = JSON.parse(JSON.stringify({ ...person, ...overrides }));
    if ('__proto__' in overrides)
      Object.defineProperty(value, '__proto__', { value: 'x', enumerable: true });
    const errors = errorsFor(value);
    const error = errors.find((e) => e.field === field);
    expect(error).toMatchObject({ code });
    expect(error!.message).toMatch(message);
  });

  it('counts 100 characters as characters, not UTF-16 units', () => {
    expect(validData({ ...person, name: '😀'.repeat(100) })).toBe(true);
  });

  it('reports a non-object body as a wrong type', () => {
    expect(errorsFor([person])).toEqual([
      expect.objectContaining({ field: 'body', code: 'wrong-type' }),
    ]);
  });

  it('reports each bad field once', () => {
    const fields = errorsFor({ ...person, sex: 7 }).map((e) => e.field);
    expect(fields).toEqual(['sex']);
  });

  it('allows any subset in an update, including nothing', () => {
    expect(validUpdate({})).toBe(true);
    expect(validUpdate({ age: 1 })).toBe(true);
    expect(validUpdate({ age: -1 })).toBe(false);
    expect(validUpdate({ uuid: 'x' })).toBe(false);
  });
});
