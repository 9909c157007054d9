import { randomFillSync } from 'node:crypto';

/**
 * W3C trace context, the one format manifest passes along (HTTP request -> outbox row ->
 * Pub/Sub attribute -> consumer log lines). https://www.w3.org/TR/trace-context/#traceparent-header
 */
export interface TraceContext {
  /** 32 lowercase hex digits, not all zero. */
  traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  spanId: string;
  sampled: boolean;
}

/** A `traceparent` value (version 00), as a pattern for schemas too. */
export const TRACEPARENT_PATTERN = '^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$';
const TRACEPARENT = new RegExp(TRACEPARENT_PATTERN);
// Google's older header: TRACE_ID/SPAN_ID;o=OPTIONS, span id in decimal.
const CLOUD_TRACE = /^([0-9a-fA-F]{32})\/(\d{1,20})(?:;o=([01]))?$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

/** Parses a `traceparent` header value; undefined when absent or malformed. */
export function parseTraceparent(value: string | undefined): TraceContext | undefined {
  const match = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string];
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

/** Parses an `X-Cloud-Trace-Context` header value; undefined when absent or malformed. */
export function parseCloudTraceContext(value: string | undefined): TraceContext | undefined {
  const match = value ? CLOUD_TRACE.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, traceId, spanDecimal, options] = match as unknown as [string, string, string, string?];
  const span = BigInt(spanDecimal);
  if (traceId.toLowerCase() === ZERO_TRACE || span === 0n || span >= 2n ** 64n) return undefined;
  return {
    traceId: traceId.toLowerCase(),
    spanId: span.toString(16).padStart(16, '0'),
    sampled: options === '1',
  };
}

/** The trace of an incoming request: `traceparent` first, then `X-Cloud-Trace-Context`. */
export function traceFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): TraceContext | undefined {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
  return (
    parseTraceparent(first(headers['traceparent'])) ??
    parseCloudTraceContext(first(headers['x-cloud-trace-context']))
  );
}

// Random bytes drawn 4 KiB at a time: a fresh trace per request would otherwise cost two
// calls into the system's random source.
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** A fresh trace, for work that arrives without one. */
export function newTrace(): TraceContext {
  return { traceId: randomHex(16), spanId: randomHex(8), sampled: false };
}

/** Formats a trace context as a `traceparent` header value. */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`;
}

/** The value Cloud Logging expects in `logging.googleapis.com/trace`. */
export function cloudLoggingTrace(projectId: string, trace: TraceContext): string {
  return `projects/${projectId}/traces/${trace.traceId}`;
}
