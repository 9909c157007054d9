import type { Response } from 'express';

/**
 * The security headers of every response that is not an HTML page (JSON, problem+json): no
 * MIME sniffing, and, should a browser ever render one, a policy that lets it load nothing and
 * be framed nowhere. HTML pages send their own set instead (html.ts).
 */
export const API_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
};

/** Sets each header of a set on a response (a `for in`: no array of entries per response). */
export function setHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  for (const name in headers) res.setHeader(name, headers[name]!);
}
