import type { NextFunction, Request, Response } from 'express';
import { answerFrameworkErrors, type FrameworkErrorAnswer } from './framework-errors';
import { leaveFrameworkDomain } from './framework-domain';
import { beginWork } from './graceful';
import { instanceReady, isInstanceReady } from './instance';
import { mapStacksOfBundle } from './source-maps';

/**
 * The life of an instance around its function's handler: one entry for HTTP and event
 * functions alike (http/app.ts and http/event-function.ts build the two kinds on it).
 *
 * When the function's module loads (`startInstance`): stack traces map to the TypeScript when
 * formatted (source-maps.ts), the framework's own failures are routed
 * to the one error format, and the cold start (configuration and secrets) begins, so it runs
 * while the framework starts listening instead of inside the first request.
 *
 * Per request or delivery (`enterRequest`, `enterDelivery`): the work is counted in flight
 * (graceful shutdown waits for it), leaves the framework's per-request domain before any I/O
 * (framework-domain.ts: the domain halves throughput), and waits for the cold start.
 */

/** Begins the instance's life; call it when the function's module loads. */
export function startInstance(answer: FrameworkErrorAnswer): void {
  // In a bundle (npm run build), __filename is the bundle's: stacks map to the TypeScript lazily.
  mapStacksOfBundle(__filename);
  answerFrameworkErrors(answer);
  // A failure is logged (and stops the instance under functions-framework) by instanceReady;
  // elsewhere every request awaits it again and answers the error.
  instanceReady().catch(() => undefined);
}

/** Express middleware entering an HTTP request into the instance; first in the function's router. */
export function enterRequest(_req: Request, res: Response, next: NextFunction): void {
  trackUntilAnswered(res);
  const proceed = () => (isInstanceReady() ? next() : instanceReady().then(() => next(), next));
  const left = leaveFrameworkDomain();
  if (left) void left.then(proceed);
  else proceed();
}

/** Wraps an event handler so each delivery enters the instance first and counts until it settles. */
export function enterDelivery<A extends unknown[]>(
  handler: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const done = beginWork();
    try {
      await leaveFrameworkDomain();
      if (!isInstanceReady()) await instanceReady();
      await handler(...args);
    } finally {
      done();
    }
  };
}

/**
 * A request is in flight until its handler has answered (called `res.end`) and the response has
 * closed. Not until 'close' alone: a client that hangs up closes the response at once while the
 * handler still runs (waiting for a pool connection, in a transaction); a shutdown that counted
 * it done closed the pool under it, and the requests queued for a connection failed with tarn's
 * "aborted" as unexpected errors (found by the load test: SIGTERM right after a burst whose
 * client had gone logged one 500 per queued request). Only such a request has its `res.end`
 * wrapped, once it has closed unanswered: an answered one adds no property to `res` (each costs
 * a hidden class per request; request-state.ts).
 */
function trackUntilAnswered(res: Response): void {
  const done = beginWork();
  res.once('close', () => {
    if (res.writableEnded) return done();
    const end = res.end as (...args: unknown[]) => Response;
    res.end = function (this: Response, ...args: unknown[]) {
      const result = end.apply(this, args);
      done();
      return result;
    } as Response['end'];
  });
}
