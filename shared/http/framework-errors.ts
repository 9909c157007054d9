import express, { type Request, type Response } from 'express';
import { toHttpProblem } from './errors';
import { HttpProblem, sendProblem } from './problem';

/**
 * functions-framework parses request bodies before the user's function runs, and hands a
 * body it cannot parse (malformed JSON, a bad charset) to Express's default final handler,
 * which answers an HTML page with the stack trace (outside NODE_ENV=production) and never
 * reaches user code. https://github.com/GoogleCloudPlatform/functions-framework-nodejs/issues/686
 *
 * Until that is fixed upstream, every Express app in this process (the framework's included,
 * since it is the same `express` module) ends in our final handler instead: the error becomes
 * the same problem+json response as any other, with no stack.
 */
type Handle = (req: Request, res: Response, callback?: (error?: unknown) => void) => void;

const application = express.application as unknown as {
  handle: Handle;
  manifestFinalHandler?: true;
};

export function installProblemFinalHandler(): void {
  if (application.manifestFinalHandler) return;
  const original = application.handle;
  application.handle = function handle(this: unknown, req, res, callback) {
    return original.call(this, req, res, callback ?? ((error) => finalHandler(error, req, res)));
  };
  application.manifestFinalHandler = true;
}

function finalHandler(error: unknown, req: Request, res: Response): void {
  if (error === undefined || error === null || error === 'route' || error === 'router') {
    sendProblem(res, new HttpProblem(404, `No such resource: ${req.method} ${req.path}.`));
    return;
  }
  if (req.method !== 'POST' && req.body === undefined && !hasStatus(error)) {
    // Only an event function gets here this way: the framework's Pub/Sub and CloudEvent
    // middleware read the body of every request, and throw on a GET, which has none.
    sendProblem(
      res,
      new HttpProblem(405, 'This is an event function: it takes Pub/Sub push deliveries (POST).', {
        headers: { Allow: 'POST' },
      }),
    );
    return;
  }
  sendProblem(res, toHttpProblem(error));
}

function hasStatus(error: unknown): boolean {
  return typeof (error as { status?: unknown } | null)?.status === 'number';
}
