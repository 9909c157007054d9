import { assertPattern } from './pattern';

/**
 * Translates routing patterns into Pub/Sub subscription filters
 * (https://cloud.google.com/pubsub/docs/subscription-message-filter), so that a push
 * subscription delivers exactly the messages its function's handlers match.
 *
 * The filter language can compare an attribute for equality and test a prefix; it has no
 * suffix test and no regular expressions. manifest's event types are exactly two words
 * (`<entity>.<action>`), so a pattern reduces to a union of (first word, second word) cells,
 * each word either fixed or any. A cell with a fixed first word is `=` or `hasPrefix`; a cell
 * with an open first word and a fixed second (`*.deleted`, `#.deleted`) needs a suffix test
 * and is refused, as is a filter longer than Pub/Sub's 256-byte limit.
 */

const MAX_FILTER_BYTES = 256;
const ANY = Symbol('any');
type Word = string | typeof ANY;
type Cell = [Word, Word];

/** Thrown for a pattern that no Pub/Sub filter expresses exactly. */
export class InexpressiblePatternError extends Error {
  constructor(pattern: string, why: string) {
    super(`Pattern "${pattern}" cannot be a Pub/Sub subscription filter: ${why}`);
    this.name = 'InexpressiblePatternError';
  }
}

/** The two-word types a pattern matches, as cells; [] when it matches no two-word type. */
function cellsOf(pattern: string): Cell[] {
  const words = pattern.split('.');
  const cells: Cell[] = [];
  // Fill the key's two slots with the pattern's words, a `#` taking zero, one or two slots.
  const walk = (i: number, slots: Word[]): void => {
    if (slots.length > 2) return;
    if (i === words.length) {
      if (slots.length === 2) cells.push([slots[0]!, slots[1]!]);
      return;
    }
    const word = words[i]!;
    if (word === '#') {
      walk(i + 1, slots);
      walk(i + 1, [...slots, ANY]);
      walk(i + 1, [...slots, ANY, ANY]);
    } else {
      walk(i + 1, [...slots, word === '*' ? ANY : word]);
    }
  };
  walk(0, []);
  return simplify(cells);
}

/** Drops cells covered by a more general one: (a, any) covers (a, b); (any, any) covers all. */
function simplify(cells: Cell[]): Cell[] {
  const covers = (g: Cell, c: Cell) =>
    (g[0] === ANY || g[0] === c[0]) && (g[1] === ANY || g[1] === c[1]);
  const unique = cells.filter(
    (c, i) => cells.findIndex((d) => d[0] === c[0] && d[1] === c[1]) === i,
  );
  return unique.filter((c) => !unique.some((g) => g !== c && covers(g, c) && !covers(c, g)));
}

const quote = (s: string) => JSON.stringify(s);

/**
 * The filter for a set of patterns (a subscription whose function has several handlers).
 * @returns the filter text; '' means "every message" (no filter)
 * @throws InexpressiblePatternError when some pattern has no exact filter
 */
export function filterForPatterns(patterns: string[]): string {
  if (patterns.length === 0) throw new Error('A subscription needs at least one pattern');
  const all: Cell[] = [];
  for (const pattern of patterns) {
    assertPattern(pattern);
    const cells = cellsOf(pattern);
    if (cells.length === 0)
      throw new InexpressiblePatternError(pattern, 'it matches no <entity>.<action> type');
    if (cells.some(([first, second]) => first === ANY && second !== ANY)) {
      throw new InexpressiblePatternError(
        pattern,
        'matching on the last word needs a suffix test, which filters lack',
      );
    }
    all.push(...cells);
  }
  const cells = simplify(all);
  if (cells.some(([first]) => first === ANY)) return '';
  const terms = cells.map(([first, second]) =>
    second === ANY
      ? `hasPrefix(attributes.type, ${quote(`${String(first)}.`)})`
      : `attributes.type = ${quote(`${String(first)}.${String(second)}`)}`,
  );
  const filter = terms.join(' OR ');
  if (Buffer.byteLength(filter) > MAX_FILTER_BYTES) {
    throw new InexpressiblePatternError(
      patterns.join(', '),
      `the filter would be ${Buffer.byteLength(filter)} bytes; the limit is ${MAX_FILTER_BYTES}`,
    );
  }
  return filter;
}

/**
 * Evaluates a filter produced by `filterForPatterns` against a message's attributes: the local
 * bus applies subscriptions' filters with it, exactly as Pub/Sub would.
 */
export function filterAccepts(filter: string, attributes: Record<string, string>): boolean {
  if (filter === '') return true;
  const type = attributes.type;
  if (type === undefined) return false;
  // A JSON string literal, not `".*"`: that spans quotes (`"a" AND x = "b"`) and fails in JSON.parse.
  return filter.split(' OR ').some((term) => {
    const prefix = /^hasPrefix\(attributes\.type, ("(?:[^"\\]|\\.)*")\)$/.exec(term);
    if (prefix) return type.startsWith(JSON.parse(prefix[1]!) as string);
    const equal = /^attributes\.type = ("(?:[^"\\]|\\.)*")$/.exec(term);
    if (equal) return type === (JSON.parse(equal[1]!) as string);
    throw new Error(`Not a filter this module produces: ${term}`);
  });
}
