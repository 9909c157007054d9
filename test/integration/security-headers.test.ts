import { createHash } from 'node:crypto';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { personData, request, type JsonResponse } from '../support/http';

/**
 * The security headers, as served: every HTML page with a restrictive content security policy
 * (nothing but its own stylesheet, by hash), no sniffing, no framing, no referrer; every JSON
 * and problem response with no sniffing and a policy that loads nothing; and no answer to a
 * write, success or error, cacheable.
 */
const HTML = { accept: 'text/html' };

/** The CSP header as a map of directive to its source list. */
function directives(csp: string | null): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const part of (csp ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) map.set(name.toLowerCase(), sources);
  }
  return map;
}

/** Asserts what must hold of every HTML page's headers. */
function expectHtmlSecurityHeaders(res: JsonResponse): void {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
  const csp = res.headers.get('content-security-policy');
  const policy = directives(csp);
  // Exactly these directives with exactly these sources: no script-src (scripts fall back to
  // default-src 'none'), nothing unsafe, no wildcard.
  expect(Object.fromEntries(policy)).toEqual({
    'default-src': ["'none'"],
    'style-src': [expect.stringMatching(/^'sha256-[A-Za-z0-9+/]+=*'$/)],
    'img-src': ["'self'", 'data:'],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  });
  // The one stylesheet the policy allows is the one the page carries, by its hash; no script,
  // no style attribute.
  const style = /<style>([\s\S]+)<\/style>/.exec(res.text)?.[1] ?? '';
  expect(policy.get('style-src')).toEqual([
    `'sha256-${createHash('sha256').update(style).digest('base64')}'`,
  ]);
  expect(res.text).not.toMatch(/<script|\sstyle="/i);
}

/** Asserts what must hold of every non-HTML response. */
function expectApiSecurityHeaders(res: JsonResponse): void {
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect(res.headers.get('content-security-policy')).toBe(
    "default-src 'none'; frame-ancestors 'none'",
  );
}

describeEachDatabase('security headers', (leg) => {
  useTestDatabase(leg);
  const people = useFunction('people');
  const stats = useFunction('stats');
  let uuid: string;

  beforeAll(async () => {
    const res = await request(`${people()}/people`, { method: 'POST', json: personData() });
    expect(res.status).toBe(201);
    uuid = res.body.uuid;
  });

  describe('HTML pages', () => {
    it('the people list', async () => {
      expectHtmlSecurityHeaders(await request(`${people()}/people`, { headers: HTML }));
    });

    it('a person', async () => {
      expectHtmlSecurityHeaders(await request(`${people()}/people/${uuid}`, { headers: HTML }));
    });

    it('the stats page', async () => {
      expectHtmlSecurityHeaders(await request(`${stats()}/stats`, { headers: HTML }));
    });
  });

  describe('JSON responses', () => {
    it.each([
      ['GET /people', () => `${people()}/people`, 'application/json'],
      ['GET /people/{uuid}', () => `${people()}/people/${uuid}`, 'application/json'],
      ['GET /people/openapi.json', () => `${people()}/people/openapi.json`, 'application/json'],
      ['GET /stats', () => `${stats()}/stats`, 'application/json'],
      [
        'a 404',
        () => `${people()}/people/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`,
        'application/problem+json',
      ],
      ['a 400', () => `${people()}/people?limit=0`, 'application/problem+json'],
    ])('%s carries nosniff and a policy that loads nothing', async (_name, url, type) => {
      const res = await request(url());
      expect(res.headers.get('content-type')).toMatch(new RegExp(`^${type.replace('+', '\\+')}`));
      expectApiSecurityHeaders(res);
    });
  });

  describe('write responses are never cacheable', () => {
    const cases: [string, () => Promise<JsonResponse>, number][] = [
      [
        'POST /people 201',
        () => request(`${people()}/people`, { method: 'POST', json: personData() }),
        201,
      ],
      [
        'PUT /people/{uuid} 200',
        () => request(`${people()}/people/${uuid}`, { method: 'PUT', json: { survived: true } }),
        200,
      ],
      [
        'POST /people 400 (invalid person)',
        () => request(`${people()}/people`, { method: 'POST', json: personData({ age: -1 }) }),
        400,
      ],
      [
        'POST /people 400 (malformed JSON, refused by the framework before our routes)',
        () =>
          request(`${people()}/people`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"name":',
          }),
        400,
      ],
      [
        'POST /people 415',
        () =>
          request(`${people()}/people`, {
            method: 'POST',
            headers: { 'content-type': 'text/plain' },
            body: 'hello',
          }),
        415,
      ],
      [
        'PUT /people/{uuid} 404',
        () =>
          request(`${people()}/people/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}`, {
            method: 'PUT',
            json: { survived: true },
          }),
        404,
      ],
      [
        'PATCH /people/{uuid} 405',
        () => request(`${people()}/people/${uuid}`, { method: 'PATCH', json: {} }),
        405,
      ],
      ['POST /stats 405', () => request(`${stats()}/stats`, { method: 'POST', json: {} }), 405],
      [
        'DELETE /people/{uuid} 204',
        () => request(`${people()}/people/${uuid}`, { method: 'DELETE' }),
        204,
      ],
    ];

    it.each(cases)(
      '%s: Cache-Control: no-store, nosniff, the API policy',
      async (_name, send, status) => {
        const res = await send();
        expect(res.status).toBe(status);
        expect(res.headers.get('cache-control')).toBe('no-store');
        expectApiSecurityHeaders(res);
      },
    );

    it('while reads stay cacheable as each route says (the header is not blanket no-store)', async () => {
      const res = await request(`${stats()}/stats`);
      expect(res.headers.get('cache-control')).toBe('no-cache');
    });
  });
});
