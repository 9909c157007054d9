import { clearSecrets, redact, registerSecret } from '../../shared/logging/redaction';
import { resetInstance } from '../../shared/runtime/testing';

describe('secret redaction', () => {
  afterEach(resetInstance);

  it('masks a registered value wherever it appears', () => {
    registerSecret('s3cr3t-value');
    expect(redact('password=s3cr3t-value; again s3cr3t-value')).toBe(
      'password=[REDACTED]; again [REDACTED]',
    );
  });

  it('masks the JSON-escaped and URL-encoded forms too', () => {
    registerSecret('pa"ss/wo\\rd');
    expect(redact(JSON.stringify({ p: 'pa"ss/wo\\rd' }))).toBe('{"p":"[REDACTED]"}');
    expect(redact(`postgres://u:${encodeURIComponent('pa"ss/wo\\rd')}@h/db`)).toBe(
      'postgres://u:[REDACTED]@h/db',
    );
  });

  it('treats regular-expression characters literally', () => {
    registerSecret('a.b*c+d?');
    expect(redact('axbxcxd a.b*c+d?')).toBe('axbxcxd [REDACTED]');
  });

  it('leaves text alone when nothing is registered, and ignores too-short values', () => {
    registerSecret('abc');
    expect(redact('abc def')).toBe('abc def');
  });

  it('masks a value of 6 characters, the shortest it takes', () => {
    registerSecret('abcde');
    registerSecret('s3cr3t');
    expect(redact('abcde s3cr3t')).toBe('abcde [REDACTED]');
  });

  it('masks the longer of two values that overlap, whole, whichever came first', () => {
    registerSecret('key-123');
    registerSecret('key-123-rotated');
    expect(redact('old key-123, new key-123-rotated')).toBe('old [REDACTED], new [REDACTED]');
  });

  it('forgets every value on clearSecrets (a new instance masks only its own)', () => {
    registerSecret('s3cr3t-value');
    clearSecrets();
    expect(redact('s3cr3t-value')).toBe('s3cr3t-value');
  });
});
