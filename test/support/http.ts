/** Small helpers for talking to a served function with the platform's own fetch. */
import { SAMPLE_PERSON } from '../../shared/people/sample';

export interface JsonResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** Sends a request and reads the body as text and, when it parses, as JSON. */
export async function request<T = any>(
  url: string,
  init: RequestInit & { json?: unknown } = {},
): Promise<JsonResponse<T>> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  const response = await fetch(url, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: the caller reads `text`
  }
  return { status: response.status, headers: response.headers, body: body as T, text };
}

/** A valid person body (SAMPLE_PERSON, the first passenger of the Titanic list), with overrides. */
export function personData(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...SAMPLE_PERSON, ...overrides };
}

/** True when a response body shows any sign of a stack trace or internal path. */
export function leaksInternals(text: string): boolean {
  return /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Error:/.test(text);
}
