import type { Request } from 'express';
import { beginRequestState, requestState } from '../../shared/http/request-state';
import { parseTraceparent } from '../../shared/logging/trace';

/** A request object as far as request-state.ts is concerned: only its identity matters. */
const aRequest = () => ({}) as Request;

describe("a request's state, kept beside the request", () => {
  it('is the one begun for that request: its trace, and anonymous until authentication says', () => {
    const trace = parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!;
    const req = aRequest();
    beginRequestState(req, trace);
    requestState(req).actor = 'api-key:ci';
    expect(requestState(req)).toEqual({ trace, actor: 'api-key:ci' });
    expect(requestState(aRequest()).actor).toBe('anonymous');
  });

  it('adds no property to the request', () => {
    const req = aRequest();
    beginRequestState(
      req,
      parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')!,
    );
    requestState(req).actor = 'api-key:ci';
    expect(Reflect.ownKeys(req)).toEqual([]);
  });

  it('begins with a new trace when nothing began it, and keeps that one', () => {
    const req = aRequest();
    const first = requestState(req);
    expect(first.trace.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(requestState(req)).toBe(first);
  });
});
