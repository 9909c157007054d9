import type { Request, Response } from 'express';
import { toHttpProblem } from './errors';
import { HttpProblem, sendProblem } from './problem';

/**
 * The answer to a request functions-framework fails before our function runs (a body it
 * cannot parse, a GET to an event function): the same problem+json as any other failure, with
 * no stack. runtime/framework-errors.ts routes the framework's failures here.
 */
export function answerAsProblem(error: unknown, req: Request, res: Response): void {
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
