/**
 * Routing keys and patterns with topic-exchange semantics (as in AMQP topic exchanges):
 * a key is dot-separated words; in a pattern `*` stands for exactly one word and `#` for
 * zero or more words. `person.*` matches `person.created`; `#.deleted` matches
 * `person.deleted` and `deleted`; `#` matches everything.
 */

const WORD = /^[a-z0-9_-]+$/i;

/** Throws unless `pattern` is a well-formed pattern (non-empty words, `*` and `#` alone). */
export function assertPattern(pattern: string): void {
  const words = pattern.split('.');
  for (const word of words) {
    if (word !== '*' && word !== '#' && !WORD.test(word)) {
      throw new Error(`Invalid routing pattern "${pattern}": "${word}" is not a word, * or #`);
    }
  }
}

/** True when the routing key matches the pattern. */
export function matchesPattern(pattern: string, key: string): boolean {
  return matchWords(pattern.split('.'), 0, key.split('.'), 0, new Map());
}

// Recursive descent over both word lists; `#` tries every split. Memoized on the two
// positions, so a pattern of many `#` stays linear in pattern x key length.
function matchWords(
  p: string[],
  i: number,
  k: string[],
  j: number,
  memo: Map<number, boolean>,
): boolean {
  const slot = i * (k.length + 1) + j;
  const known = memo.get(slot);
  if (known !== undefined) return known;
  let result: boolean;
  if (i === p.length) {
    result = j === k.length;
  } else if (p[i] === '#') {
    result = matchWords(p, i + 1, k, j, memo) || (j < k.length && matchWords(p, i, k, j + 1, memo));
  } else if (j === k.length) {
    result = false;
  } else {
    result = (p[i] === '*' || p[i] === k[j]) && matchWords(p, i + 1, k, j + 1, memo);
  }
  memo.set(slot, result);
  return result;
}
