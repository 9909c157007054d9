import {
  filterAccepts,
  filterForPatterns,
  InexpressiblePatternError,
} from '../../shared/events/filter';
import { matchesPattern } from '../../shared/events/pattern';

describe('routing patterns as Pub/Sub subscription filters', () => {
  it.each([
    [['person.*'], 'hasPrefix(attributes.type, "person.")'],
    [['person.#'], 'hasPrefix(attributes.type, "person.")'],
    [['person.created'], 'attributes.type = "person.created"'],
    [['#'], ''],
    [['*.*'], ''],
    [['#.#'], ''],
    [
      ['person.*', 'people.imported'],
      'hasPrefix(attributes.type, "person.") OR attributes.type = "people.imported"',
    ],
    [['person.created', 'person.*'], 'hasPrefix(attributes.type, "person.")'],
    [['person.*', '#'], ''],
    [['person.#.created'], 'attributes.type = "person.created"'],
    // Two handlers on one type: one term, not the same term twice.
    [['person.created', 'person.created'], 'attributes.type = "person.created"'],
    [['person.*', 'person.#'], 'hasPrefix(attributes.type, "person.")'],
    // Many `#` (each taking 0, 1 or 2 of the type's two words): translated at once, not 3^n walks.
    [[Array(40).fill('#').join('.')], ''],
  ])('translates %j to %p', (patterns, filter) => {
    expect(filterForPatterns(patterns)).toBe(filter);
  });

  it.each([
    ['#.deleted', /suffix/],
    ['*.deleted', /suffix/],
    ['#.person.#', /suffix/],
    ['person', /matches no <entity>.<action> type/],
    ['a.b.c', /matches no/],
  ])('refuses %s', (pattern, why) => {
    expect(() => filterForPatterns([pattern])).toThrow(InexpressiblePatternError);
    expect(() => filterForPatterns([pattern])).toThrow(why);
    expect(() => filterForPatterns([pattern])).toThrow(
      expect.objectContaining({ name: 'InexpressiblePatternError' }),
    );
  });

  it('refuses a subscription with no pattern (it would otherwise get no filter: every message)', () => {
    expect(() => filterForPatterns([])).toThrow('A subscription needs at least one pattern');
  });

  it("refuses a filter over Pub/Sub's 256-byte limit, naming the patterns; 256 bytes is allowed", () => {
    const many = Array.from({ length: 12 }, (_, i) => `entity${i}.created`);
    expect(() => filterForPatterns(many)).toThrow(
      'Pattern "entity0.created, entity1.created, entity2.created, entity3.created, entity4.created, entity5.created, entity6.created, entity7.created, entity8.created, entity9.created, entity10.created, entity11.created" cannot be a Pub/Sub subscription filter: the filter would be 466 bytes; the limit is 256',
    );
    // `attributes.type = "<type>"` is 20 bytes around the type.
    const atLimit = `a.${'b'.repeat(234)}`;
    expect(Buffer.byteLength(filterForPatterns([atLimit]))).toBe(256);
    expect(() => filterForPatterns([`${atLimit}b`])).toThrow(/257 bytes; the limit is 256/);
  });

  it('delivers exactly what the router matches, for every two-word type and every expressible pattern', () => {
    const words = ['a', 'b', '*', '#'];
    const patterns: string[] = [];
    for (const x of words) {
      patterns.push(x);
      for (const y of words) {
        patterns.push(`${x}.${y}`);
        for (const z of words) patterns.push(`${x}.${y}.${z}`);
      }
    }
    const types = ['a', 'b', 'c'].flatMap((x) => ['a', 'b', 'c'].map((y) => `${x}.${y}`));
    let expressible = 0;
    for (const pattern of patterns) {
      let filter: string;
      try {
        filter = filterForPatterns([pattern]);
      } catch (error) {
        expect(error).toBeInstanceOf(InexpressiblePatternError);
        // Refused only when it really needs a suffix test or matches no two-word type.
        const matched = types.filter((t) => matchesPattern(pattern, t));
        const firstWordOpen =
          matched.length > 0 && new Set(matched.map((t) => t.split('.')[0])).size > 1;
        expect(matched.length === 0 || firstWordOpen).toBe(true);
        continue;
      }
      expressible++;
      for (const type of types) {
        expect([pattern, type, filterAccepts(filter, { type })]).toEqual([
          pattern,
          type,
          matchesPattern(pattern, type),
        ]);
      }
    }
    expect(expressible).toBeGreaterThan(20);
  });

  it('accepts nothing without a type attribute, unless there is no filter', () => {
    expect(filterAccepts('attributes.type = "a.b"', {})).toBe(false);
    expect(filterAccepts('hasPrefix(attributes.type, "a.")', {})).toBe(false);
    expect(filterAccepts('', {})).toBe(true);
  });

  it('accepts a message that any one term of an OR accepts, as Pub/Sub does', () => {
    const filter = filterForPatterns(['person.*', 'people.imported']);
    expect(
      ['person.created', 'people.imported', 'people.exported', 'persons.created'].map((type) =>
        filterAccepts(filter, { type }),
      ),
    ).toEqual([true, true, false, false]);
  });

  it.each([
    'attributes.type != "a.b"',
    'NOT attributes.type = "a.b"',
    'attributes.type = "a.b" AND attributes.x = "y"',
    'attributes.type = "a.b"x',
    'NOT hasPrefix(attributes.type, "a.")',
    'hasPrefix(attributes.type, "a.") AND attributes.x = "y"',
  ])('refuses to evaluate a filter it does not produce, rather than guess: %s', (filter) => {
    expect(() => filterAccepts(filter, { type: 'a.b' })).toThrow(
      `Not a filter this module produces: ${filter}`,
    );
  });
});
