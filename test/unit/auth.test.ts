import { createHash } from 'node:crypto';
import { parseApiKeys, type ApiKey } from '../../shared/config/api-keys';
import { matchKey } from '../../shared/http/auth';

describe('API keys', () => {
  // Parsed for each test, not once while jest collects the file: `npm run mutation` runs only
  // the tests that reach a mutant, and code run at collection belongs to no test.
  let keys: ApiKey[];
  beforeEach(() => {
    const parsed = parseApiKeys('ci=ci-key-0123456789abcdef, bare-key-0123456789abcdef');
    keys = 'keys' in parsed ? parsed.keys : [];
  });

  it('parses labelled and bare keys, keeping only their digests', () => {
    expect(keys.map((k) => k.label)).toEqual(['ci', expect.stringMatching(/^sha256:[0-9a-f]{8}$/)]);
    expect(JSON.stringify(keys)).not.toContain('0123456789abcdef');
  });

  it('matches a token to its key label', () => {
    expect(matchKey('ci-key-0123456789abcdef', keys)).toBe('ci');
    expect(matchKey('bare-key-0123456789abcdef', keys)).toBe(keys[1]!.label);
  });

  it.each([
    '',
    'ci-key-0123456789abcde',
    'ci-key-0123456789abcdeff',
    'CI-KEY-0123456789ABCDEF',
    'ci=ci-key-0123456789abcdef',
  ])('matches nothing for %p', (token) => {
    expect(matchKey(token, keys)).toBeUndefined();
  });

  it('labels a bare key `sha256:` and the first 8 hex digits of its digest (README, Authentication)', () => {
    const hex = createHash('sha256').update('bare-key-0123456789abcdef').digest('hex');
    expect(keys.map((k) => k.label)).toEqual(['ci', `sha256:${hex.slice(0, 8)}`]);
  });

  it('keeps the digest of the key alone: after the first `=`, without the spaces around the entry', () => {
    const digest = (key: string) => createHash('sha256').update(key).digest('hex');
    expect(keys.map((k) => k.digest.toString('hex'))).toEqual([
      digest('ci-key-0123456789abcdef'),
      digest('bare-key-0123456789abcdef'),
    ]);
    // A key may itself hold `=`: only the first one ends the label.
    expect(parseApiKeys(' eq = x=0123456789abcdef ')).toEqual({
      problems: [expect.stringMatching(/^API_KEYS entry 1 has a label/)],
    });
    const withEquals = parseApiKeys('eq=x=0123456789abcdef');
    expect('keys' in withEquals && withEquals.keys.map((k) => k.label)).toEqual(['eq']);
    expect(matchKey('x=0123456789abcdef', 'keys' in withEquals ? withEquals.keys : [])).toBe('eq');
  });

  it('takes labels of 1 to 40 letters, digits, dots, dashes or underscores, each once', () => {
    const key = 'k'.repeat(16);
    const labels = ['a', 'A.b-c_9', 'x'.repeat(40)];
    const ok = parseApiKeys(labels.map((label) => `${label}=${key}`).join(','));
    expect('keys' in ok && ok.keys.map((k) => k.label)).toEqual(labels);
    // An empty label leaves the key after the `=`: 15 characters are too few.
    expect(parseApiKeys(`=${'k'.repeat(15)}`)).toEqual({
      problems: ['API_KEYS entry 1 is shorter than 16 characters'],
    });
    expect(parseApiKeys(`=${key}`)).toEqual({
      problems: [
        'API_KEYS entry 1 has a label that is not 1-40 letters, digits, dots, dashes or underscores',
      ],
    });
    expect(parseApiKeys(`a=${key},${'x'.repeat(41)}=${key},a b=${key}`)).toEqual({
      problems: [
        'API_KEYS entry 2 has a label that is not 1-40 letters, digits, dots, dashes or underscores',
        'API_KEYS entry 3 has a label that is not 1-40 letters, digits, dots, dashes or underscores',
      ],
    });
    expect(parseApiKeys(`a=${key},b=${'j'.repeat(16)},a=${'i'.repeat(16)}`)).toEqual({
      problems: ['API_KEYS entry 3 repeats the label "a"'],
    });
  });

  it('reports problems without quoting keys', () => {
    expect(parseApiKeys('x=short')).toEqual({
      problems: ['API_KEYS entry 1 is shorter than 16 characters'],
    });
  });
});
