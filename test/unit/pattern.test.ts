import { assertPattern, matchesPattern } from '../../shared/events/pattern';

/** Every sequence of `length` items drawn from `alphabet`. */
function sequences(alphabet: string[], maxLength: number, minLength = 1): string[][] {
  const out: string[][] = [];
  const grow = (prefix: string[]) => {
    if (prefix.length >= minLength) out.push(prefix);
    if (prefix.length === maxLength) return;
    for (const symbol of alphabet) grow([...prefix, symbol]);
  };
  grow([]);
  return out;
}

/**
 * An independent reference: the pattern as a regular expression over the key written with a
 * leading dot per word (".person.created"), where `*` is one `.word` and `#` any number of them.
 */
function reference(pattern: string, key: string): boolean {
  const body = pattern
    .split('.')
    .map((w) => (w === '*' ? '\\.[^.]+' : w === '#' ? '(?:\\.[^.]+)*' : `\\.${w}`))
    .join('');
  return new RegExp(`^${body}$`).test(`.${key}`);
}

describe('routing patterns (topic-exchange semantics)', () => {
  it.each([
    ['person.created', 'person.created', true],
    ['person.created', 'person.updated', false],
    ['person.*', 'person.created', true],
    ['person.*', 'person', false],
    ['person.*', 'person.created.late', false],
    ['person.#', 'person', true],
    ['person.#', 'person.created.late', true],
    ['#.deleted', 'deleted', true],
    ['#.deleted', 'person.deleted', true],
    ['#.deleted', 'a.b.deleted', true],
    ['#.deleted', 'person.deleted.not', false],
    ['*.deleted', 'deleted', false],
    ['#', 'people.imported', true],
    ['#', 'x', true],
    ['*', 'people.imported', false],
    ['*.*', 'people.imported', true],
    ['#.#', 'a', true],
    ['a.#.b', 'a.b', true],
    ['a.#.b', 'a.x.y.b', true],
    ['a.#.b', 'a.x.y', false],
  ])('%s against %s is %s', (pattern, key, expected) => {
    expect(matchesPattern(pattern, key)).toBe(expected);
  });

  it('agrees with the reference on every pattern and key up to four words', () => {
    const patterns = sequences(['a', 'b', '*', '#'], 4).map((p) => p.join('.'));
    const keys = sequences(['a', 'b'], 4).map((k) => k.join('.'));
    let checked = 0;
    for (const pattern of patterns) {
      for (const key of keys) {
        expect([pattern, key, matchesPattern(pattern, key)]).toEqual([
          pattern,
          key,
          reference(pattern, key),
        ]);
        checked++;
      }
    }
    expect(checked).toBe(340 * 30);
  });

  it('stays fast on many #', () => {
    const pattern = Array.from({ length: 30 }, () => '#').join('.') + '.z';
    const key = Array.from({ length: 40 }, () => 'a').join('.');
    expect(matchesPattern(pattern, key)).toBe(false);
  });

  it.each(['', 'a..b', 'a.b*', 'a.#x', 'a b', 'a.*#'])(
    'refuses the malformed pattern %p',
    (pattern) => {
      expect(() => assertPattern(pattern)).toThrow(/Invalid routing pattern/);
    },
  );
});
