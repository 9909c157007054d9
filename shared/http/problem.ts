import type { Response } from 'express';
import { redact } from '../logging';
import { sendJsonText } from './json';
import { API_SECURITY_HEADERS, setHeaders } from './security-headers';
import type { FieldError } from '../validation';

/**
 * The one error format of every HTTP function: RFC 9457 problem details,
 * `application/problem+json`. https://www.rfc-editor.org/rfc/rfc9457
 */

export type { FieldError } from '../validation';

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error that is answered as a problem response with its own status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: {
      errors?: FieldError[];
      headers?: Record<string, string>;
      /** Extra members of the problem body (RFC 9457 extensions), e.g. counts. */
      extensions?: Record<string, unknown>;
    } = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }

  /** The response body. */
  toJSON(): ProblemDetails {
    return {
      ...problemBody(this.status, this.detail, this.options.errors),
      ...this.options.extensions,
    };
  }
}

/** Builds a problem body; `type` is about:blank, so `title` is the status phrase (RFC 9457 4.2.1). */
export function problemBody(status: number, detail: string, errors?: FieldError[]): ProblemDetails {
  return {
    type: 'about:blank',
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** Writes a problem response (the API's security headers, no caching; secrets masked even in a detail that quoted one). */
export function sendProblem(res: Response, problem: HttpProblem): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(problem.options.headers ?? {}))
    res.setHeader(name, value);
  setHeaders(res, API_SECURITY_HEADERS);
  res.status(problem.status).setHeader('Cache-Control', 'no-store');
  sendJsonText(
    res,
    redact(JSON.stringify(problem.toJSON())),
    'application/problem+json; charset=utf-8',
  );
}
