import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LoadedFunction } from './functions';

/** The local console (console.ts): the paths it answers, and its handler. */
export interface GatewayConsole {
  segments: ReadonlySet<string>;
  handle: (req: IncomingMessage, res: ServerResponse) => void;
}

/**
 * The local stack's one port: `/<name>/...` goes to function `<name>` with the path intact
 * (as on its run.app URL); `/` is the console (or, without one, lists the functions).
 */
export function createGateway(functions: LoadedFunction[], console?: GatewayConsole): Server {
  const byName = new Map(functions.map((fn) => [fn.name, fn]));
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const name = firstSegment(req.url ?? '/');
    const target = byName.get(name);
    if (target) return target.handle(req, res);
    if (console?.segments.has(name)) return console.handle(req, res);
    const status = name === '' ? 200 : 404;
    const body =
      status === 200
        ? { functions: functions.map((fn) => ({ name: fn.name, path: `/${fn.name}` })) }
        : {
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            detail: `No function is served at /${name}; try one of: ${[...byName.keys()].map((n) => `/${n}`).join(', ')}.`,
          };
    res.writeHead(status, {
      'Content-Type': status === 200 ? 'application/json' : 'application/problem+json',
      'Cache-Control': 'no-store',
    });
    res.end(JSON.stringify(body));
  });
}

/** The first path segment of a request URL: `/people/abc?x` -> `people`. */
export function firstSegment(url: string): string {
  const path = url.split('?')[0] ?? '';
  const segment = path.split('/')[1] ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
