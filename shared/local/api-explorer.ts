import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { type Request, type Response } from 'express';
import { html } from '../http/html';
import { setHeaders } from '../http/security-headers';

/**
 * The interactive API docs at `/ui` (as connexion serves them): Swagger UI, from the
 * swagger-ui-dist package in node_modules (no CDN), showing the people function's OpenAPI
 * document, with "Try it out" against the running stack. Local only, like the console.
 *
 * Its own CSP: Swagger UI is a script, so unlike the other pages this one runs script, but
 * only files from this origin (the bundle and the few lines that start it, never inline), and
 * it may fetch only from this origin.
 */
const DIST = dirname(require.resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, { file: string; type: string }> = {
  'swagger-ui.css': { file: 'swagger-ui.css', type: 'text/css; charset=utf-8' },
  'swagger-ui-bundle.js': { file: 'swagger-ui-bundle.js', type: 'text/javascript; charset=utf-8' },
};

/** Starts Swagger UI on the people function's document (a file of its own: no inline script). */
const START = `window.ui = SwaggerUIBundle({
  url: '/people/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
});
`;

export const API_EXPLORER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** The routes of `/ui`: the page, its start script, and Swagger UI's own files. */
export function apiExplorer(): express.Router {
  const router = express.Router();
  const send = (res: Response, type: string, body: string | Buffer) => {
    setHeaders(res, API_EXPLORER_HEADERS);
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-cache');
    res.send(body);
  };
  router.get('/ui', (_req: Request, res: Response) => {
    const document = html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>API explorer · manifest</title>
          <link rel="icon" href="data:," />
          <link rel="stylesheet" href="/ui/swagger-ui.css" />
        </head>
        <body>
          <div id="swagger-ui"></div>
          <script src="/ui/swagger-ui-bundle.js"></script>
          <script src="/ui/start.js"></script>
        </body>
      </html>`;
    send(res, 'text/html; charset=utf-8', document.text);
  });
  router.get('/ui/start.js', (_req, res) => send(res, 'text/javascript; charset=utf-8', START));
  router.get('/ui/:asset', (req: Request, res: Response, next) => {
    const asset = ASSETS[String(req.params.asset)];
    if (!asset) return next();
    send(res, asset.type, readFileSync(join(DIST, asset.file)));
  });
  return router;
}
