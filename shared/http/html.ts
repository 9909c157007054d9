import { createHash } from 'node:crypto';
import escapeHtml from 'escape-html';
import type { Response } from 'express';
import { setHeaders } from './security-headers';

/**
 * HTML pages without a template engine: `html` is a tagged template that escapes every
 * interpolated value unless it is itself `html` output, so "every value is escaped" holds by
 * construction rather than by care at each call site.
 */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Interpolation =
  SafeHtml | string | number | boolean | null | undefined | readonly Interpolation[];

/** Builds an HTML fragment; strings and numbers in `${}` are escaped, fragments are not. */
export function html(strings: TemplateStringsArray, ...values: Interpolation[]): SafeHtml {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

function render(value: Interpolation): string {
  if (value instanceof SafeHtml) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;color:#1b1b1b}
table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;padding:.35rem .6rem;text-align:left}
th{background:#f4f4f4}td.n{text-align:right;font-variant-numeric:tabular-nums}
nav{margin:1rem 0}a{color:#0b57d0}dl{display:grid;grid-template-columns:max-content auto;gap:.3rem 1.5rem}
dt{font-weight:600}svg text{font-size:12px;fill:#1b1b1b}
`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

/**
 * Headers for every HTML page: a content security policy that allows nothing but our own
 * inline stylesheet (by hash) and images drawn inline, no sniffing, no framing, no referrer.
 */
export const HTML_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'`,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Wraps a body in the site's page layout. */
export function page(title: string, body: SafeHtml): SafeHtml {
  // The <style> content must stay byte-identical to STYLE: the CSP allows it by hash.
  // The empty data: icon (img-src allows data:) stops browsers asking for /favicon.ico,
  // which would be a 404 and a console error on every page.
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · manifest</title>
<link rel="icon" href="data:,">
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** Sends a page with the HTML security headers. */
export function sendHtml(res: Response, status: number, document: SafeHtml): void {
  res.status(status);
  setHeaders(res, HTML_SECURITY_HEADERS);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.send(document.text);
}
