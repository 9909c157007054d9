import type { Request } from 'express';
import { newTrace, type TraceContext } from '../logging';

/**
 * What a function has learnt about a request: its W3C trace (request-context.ts) and who sent it
 * (auth.ts). Held beside the request, not as properties of `req`: Express gives each request
 * object a hidden class of its own (its `Object.setPrototypeOf` per request leaves V8 no shared
 * transition to follow), so every property added to one builds another class and misses the
 * inline caches that read it (README: "Instructions per request, and the hidden class Express
 * gives each request").
 */
export interface RequestState {
  /** The W3C trace this request belongs to (from its headers, or a new one). */
  trace: TraceContext;
  /** Who is making the request: `api-key:<label>`, or `anonymous` (reads, or writes left open). */
  actor: string;
}

const states = new WeakMap<Request, RequestState>();

/** Begins a request's state with its trace; call once, before anything reads it. */
export function beginRequestState(req: Request, trace: TraceContext): RequestState {
  const state: RequestState = { trace, actor: 'anonymous' };
  states.set(req, state);
  return state;
}

/** The request's state; begun with a new trace if nothing has begun it (a handler used alone). */
export function requestState(req: Request): RequestState {
  return states.get(req) ?? beginRequestState(req, newTrace());
}
