import type { Request } from 'express';
import { HttpProblem } from './problem';

/** Largest JSON body the API accepts. */
export const MAX_JSON_BODY_BYTES = 1024 * 1024;

/**
 * The parsed JSON body of a write, after the checks the API promises: the content type must
 * be JSON (415 otherwise) and the body at most 1 MB (413). functions-framework has already
 * parsed it (and a malformed one never gets here: see framework-errors.ts).
 */
export function jsonBody(req: Request, accepted: string[] = ['application/json']): unknown {
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new HttpProblem(
      415,
      `Send the body as ${accepted.join(' or ')} (got ${req.get('content-type') ?? 'no Content-Type'}).`,
      req.method === 'POST' ? { headers: { 'Accept-Post': accepted.join(', ') } } : {},
    );
  }
  const size = (req as Request & { rawBody?: Buffer }).rawBody?.length ?? 0;
  if (size > MAX_JSON_BODY_BYTES) {
    throw new HttpProblem(
      413,
      `The body is ${size} bytes; the limit is ${MAX_JSON_BODY_BYTES} bytes (1 MB).`,
    );
  }
  return req.body;
}
