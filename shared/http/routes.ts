import type { Request, Response } from 'express';
import FindMyWay from 'find-my-way';
import { HttpProblem } from './problem';

/** What answers one method of one route; a rejection or a throw is answered as problem+json. */
export type RouteHandler = (req: Request, res: Response) => unknown;

/** The methods a route may name (HEAD comes with GET; any other is answered 405). */
export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The routes of an HTTP function: each path (`:name` for a parameter, which a handler reads as
 * `req.params.name`) with the handler of each method it answers. GET answers HEAD too (Node sends
 * no body for HEAD); any other method is a 405 whose `Allow` lists the route's.
 */
export type Routes = Readonly<Record<string, Readonly<Partial<Record<RouteMethod, RouteHandler>>>>>;

/** The methods a route answers, in `Allow`'s order: GET brings HEAD. */
export function allowedMethods(route: Routes[string]): string[] {
  return (Object.keys(route) as RouteMethod[]).flatMap((m) =>
    m === 'GET' ? ['GET', 'HEAD'] : [m],
  );
}

/** A request's route: its handler for the method (undefined: 405), the parameters and the mount. */
export interface RouteMatch {
  handler: RouteHandler | undefined;
  /** The route's methods, for a 405's `Allow`. */
  allow: readonly string[];
  params: Record<string, string>;
  /** The mount as the request spelled it (`/People`), or '' under `/`: what `req.baseUrl` says. */
  baseUrl: string;
}

interface RouteEntry {
  handlers: Partial<Record<string, RouteHandler>>;
  allow: readonly string[];
  /** Characters of the URL that are the mount (`/<name>`), 0 for the routes under `/`. */
  mountLength: number;
}

/** The query is Express's to parse (`req.query`); the matcher leaves it alone. */
const NO_QUERY = Object.freeze({});

/**
 * Matches requests to `routes` of the function `mount`, served both under `/<mount>` (its URL on
 * run.app and in the local stack) and under `/` (the cloudfunctions.net URL, which strips the
 * name); the mount in any case, a trailing slash allowed, as Express's Router matched them.
 *
 * A radix tree (find-my-way, Fastify's router) instead of Express's Router: on a core alone the
 * Router's two mounts and route layers were about 5% of the CPU of a GET by uuid (README: "GET
 * /people/{uuid}"). Each path is one entry of the tree whatever the method, so that a path
 * known under another method is a 405 with `Allow`, not a 404.
 * @returns a function from a request's method and URL (its query included) to its route, or
 *   undefined when no route has that path
 * @throws HttpProblem 400 when the path is not valid percent-encoding (as Express answered a
 *   parameter it could not decode)
 */
export function routeMatcher(
  mount: string,
  routes: Routes,
): (method: string, url: string) => RouteMatch | undefined {
  const tree = FindMyWay<FindMyWay.HTTPVersion.V1>({
    caseSensitive: false,
    ignoreTrailingSlash: true,
    // A parameter of any length is the handler's to judge (a 400 naming it), not a 404.
    maxParamLength: Number.MAX_SAFE_INTEGER,
    querystringParser: () => NO_QUERY,
    // A path that is not valid percent-encoding matches as a route without a store (below).
    onBadUrl: () => undefined,
  });
  for (const [path, route] of Object.entries(routes)) {
    const handlers: RouteEntry['handlers'] = { ...route };
    if (route.GET) handlers['HEAD'] = route.GET;
    const allow = allowedMethods(route);
    const under = path === '/' ? '' : path;
    const entries: [string, RouteEntry][] = [
      [`/${mount}${under}`, { handlers, allow, mountLength: mount.length + 1 }],
      [under || '/', { handlers, allow, mountLength: 0 }],
    ];
    for (const [full, entry] of entries) tree.on('GET', full, () => undefined, entry);
  }
  return (method, url) => {
    const found = tree.find('GET', url);
    if (!found) return undefined;
    const entry = found.store as RouteEntry | null;
    if (!entry) throw new HttpProblem(400, 'The path is not valid percent-encoding.');
    return {
      handler: entry.handlers[method],
      allow: entry.allow,
      params: found.params as Record<string, string>,
      baseUrl: url.slice(0, entry.mountLength),
    };
  };
}
