import type { NextFunction, Request, Response } from 'express';
import { config } from '../config';
import {
  cloudLoggingTrace,
  logContextFields,
  logger,
  newTrace,
  traceFromHeaders,
  withLogContext,
  type LogContext,
} from '../logging';
import { beginRequestState } from './request-state';

/**
 * Binds the request's trace and the function's name (which the local stack, serving every
 * function in one process, needs to tell lines apart) to every log line written while handling
 * it, and, with LOG_REQUESTS, logs the request once it is answered, in Cloud Logging's
 * `httpRequest` shape. Off by default: Cloud Run writes a request log of its own (method,
 * status, latency, trace).
 */
export function requestContext(
  functionName: string,
): (req: Request, res: Response, next: NextFunction) => void {
  const labels = { function: functionName };
  return (req, res, next) => {
    const { GOOGLE_CLOUD_PROJECT, LOG_REQUESTS } = config();
    const started = LOG_REQUESTS ? process.hrtime.bigint() : 0n;
    const { trace } = beginRequestState(req, traceFromHeaders(req.headers) ?? newTrace());
    const context: LogContext = {
      trace: cloudLoggingTrace(GOOGLE_CLOUD_PROJECT, trace),
      spanId: trace.spanId,
      traceSampled: trace.sampled,
      labels,
    };
    // The access line names its trace itself: 'finish' may be emitted outside the request's context.
    if (LOG_REQUESTS) res.once('finish', () => logRequest(req, res, context, started));
    withLogContext(context, next);
  };
}

function logRequest(req: Request, res: Response, context: LogContext, started: bigint): void {
  const level = res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const latencySeconds = Number(process.hrtime.bigint() - started) / 1e9;
  logger[level](
    {
      ...logContextFields(context),
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
}
