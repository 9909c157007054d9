import express, { type Request, type Response } from 'express';

/**
 * functions-framework parses request bodies before the user's function runs, and hands a
 * body it cannot parse (malformed JSON, a bad charset) to Express's default final handler,
 * which answers an HTML page with the stack trace (outside NODE_ENV=production) and never
 * reaches user code. https://github.com/GoogleCloudPlatform/functions-framework-nodejs/issues/686
 *
 * Until that is fixed upstream, every Express app in this process (the framework's included,
 * since it is the same `express` module) ends in our final handler instead. What it answers
 * is the HTTP layer's to say (http/framework-errors.ts: the one error format); this module only
 * routes the framework's failures there.
 */
export type FrameworkErrorAnswer = (error: unknown, req: Request, res: Response) => void;

type Handle = (req: Request, res: Response, callback?: (error?: unknown) => void) => void;

const application = express.application as unknown as {
  handle: Handle;
  manifestFinalHandler?: FrameworkErrorAnswer;
};

/** Makes `answer` the final handler of every Express app in the process (once; later calls keep the first). */
export function answerFrameworkErrors(answer: FrameworkErrorAnswer): void {
  if (application.manifestFinalHandler) return;
  const original = application.handle;
  application.handle = function handle(this: unknown, req, res, callback) {
    return original.call(this, req, res, callback ?? ((error) => answer(error, req, res)));
  };
  application.manifestFinalHandler = answer;
}
