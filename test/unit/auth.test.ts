import { parseApiKeys } from '../../shared/config/api-keys';
import { matchKey } from '../../shared/http/auth';

describe('API keys', () => {
  const parsed = parseApiKeys('ci=ci-key-0123456789abcdef, bare-key-0123456789abcdef');
  const keys = 'keys' in parsed ? parsed.keys : [];

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

  it('reports problems without quoting keys', () => {
    expect(parseApiKeys('x=short')).toEqual({
      problems: ['API_KEYS entry 1 is shorter than 16 characters'],
    });
  });
});
