import { AsyncResource } from 'node:async_hooks';
import type { NextFunction, Request, Response } from 'express';
import { config } from '../config';
import {
  cloudLoggingTrace,
  logger,
  newTrace,
  traceFromHeaders,
  withLogContext,
  type TraceContext,
} from '../logging';

declare module 'express-serve-static-core' {
  interface Request {
    /** The W3C trace this request belongs to (from its headers, or a new one). */
    trace: TraceContext;
  }
}

/**
 * First middleware of every HTTP function: binds the request's trace to every log line
 * written while handling it, and logs the request once it is answered, in Cloud Logging's
 * `httpRequest` shape.
 */
export function requestContext(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  const trace = traceFromHeaders(req.headers) ?? newTrace();
  req.trace = trace;
  const context = {
    trace: cloudLoggingTrace(config().GOOGLE_CLOUD_PROJECT, trace),
    spanId: trace.spanId,
    traceSampled: trace.sampled,
  };
  withLogContext(context, () => {
    // Bound, so the line carries this request's trace whatever context emits 'finish'.
    res.on(
      'finish',
      AsyncResource.bind(() => {
        const latencySeconds = Number(process.hrtime.bigint() - started) / 1e9;
        const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
        logger[level](
          {
            httpRequest: {
              requestMethod: req.method,
              requestUrl: req.originalUrl,
              status: res.statusCode,
              responseSize: String(res.getHeader('content-length') ?? ''),
              userAgent: req.get('user-agent'),
              remoteIp: req.ip,
              latency: `${latencySeconds.toFixed(6)}s`,
            },
          },
          `${req.method} ${req.originalUrl.split('?')[0]} ${res.statusCode}`,
        );
      }),
    );
    next();
  });
}
