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
  });

  it("refuses a filter over Pub/Sub's 256-byte limit", () => {
    const many = Array.from({ length: 12 }, (_, i) => `entity${i}.created`);
    expect(() => filterForPatterns(many)).toThrow(/256/);
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
    expect(filterAccepts('', {})).toBe(true);
  });
});
