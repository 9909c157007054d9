import type { Request, Response } from 'express';
import { enterRequest, startInstance } from '../runtime/entry';
import { authenticate } from './auth';
import { toHttpProblem } from './errors';
import { answerAsProblem } from './framework-errors';
import { HttpProblem, sendProblem } from './problem';
import { requestContext } from './request-context';
import { routeMatcher, type Routes } from './routes';
import { API_SECURITY_HEADERS, setHeaders } from './security-headers';

/**
 * Builds the request handler of one HTTP function: the instance's entry (runtime/entry.ts:
 * the cold start begun at load and awaited per request, the request counted in flight),
 * trace-aware request logging, API-key authentication (unless the function is `open`, like
 * health), then the function's routes (routes.ts), matched both under `/<mount>` (the
 * function's URL on run.app and in the local stack) and under `/` (the cloudfunctions.net URL,
 * which strips the name), then one error path that answers every failure as problem+json: a
 * path no route has 404, a method its route does not answer 405 with `Allow`.
 *
 * Every response starts with the security headers of an API (see securityHeaders); HTML
 * pages replace the content security policy with their own (html.ts).
 *
 * Within functions-framework's Express app, which has parsed the request and set up req and
 * res already (its settings apply: no ETag, no X-Powered-By, proxy trusted); a handler has
 * Express's request and response, with `req.params` and `req.baseUrl` as a Router would set
 * them. Not a second Express app: it would re-initialise both on every request (measured: 10%
 * of a GET's CPU).
 */
export function httpFunction(
  mount: string,
  routes: Routes,
  options: { open?: boolean } = {},
): (req: Request, res: Response) => void {
  startInstance(answerAsProblem);
  const match = routeMatcher(mount, routes);
  const inContext = requestContext(mount);
  const open = options.open === true;
  // What every request goes through before its route, in order: one function rather than a
  // router layer each (Express's dispatch of a layer cost more than most of them do).
  return (req, res) => {
    const answer = (error: unknown) => sendProblem(res, toHttpProblem(error));
    const route = (error?: unknown) => {
      if (error) return answer(error);
      try {
        const found = match(req.method, req.url);
        if (!found) throw new HttpProblem(404, `No such resource: ${req.method} ${req.path}.`);
        if (!found.handler) throw methodNotAllowed(req.method, found.allow);
        req.params = found.params;
        req.baseUrl = found.baseUrl;
        const result = found.handler(req, res);
        if (result instanceof Promise) result.catch(answer);
      } catch (error) {
        answer(error);
      }
    };
    try {
      securityHeaders(req, res);
      enterRequest(req, res, (error?: unknown) => {
        if (error) return answer(error);
        try {
          inContext(req, res, () => (open ? route() : authenticate(req, res, route)));
        } catch (error) {
          answer(error);
        }
      });
    } catch (error) {
      answer(error);
    }
  };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * First, per request, before anything can fail: the API's security headers, and no caching of
 * any answer to a write, success or error. (sendProblem sets both too, for the errors
 * functions-framework raises before this runs: a body it cannot parse.)
 */
function securityHeaders(req: Request, res: Response): void {
  setHeaders(res, API_SECURITY_HEADERS);
  if (!SAFE_METHODS.has(req.method)) res.setHeader('Cache-Control', 'no-store');
}

/** The 405 for a method a route does not answer, with the route's methods in `Allow`. */
function methodNotAllowed(method: string, allowed: readonly string[]): HttpProblem {
  return new HttpProblem(405, `${method} is not supported here; use ${allowed.join(', ')}.`, {
    headers: { Allow: allowed.join(', ') },
  });
}
