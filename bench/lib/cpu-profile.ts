// Reading a V8 CPU profile (`node --cpu-prof`) of a cold start: where its CPU went, by
// package and by phase (loading, then the first request), up to the moment its first 2xx
// arrived. Used by bench/profile/cold-start-phases.ts; pure, so its unit test gives it a
// profile made by hand.

/** One frame of a profile's call tree, as V8 writes it (lines and columns from 0). */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** A `.cpuprofile` file: times in microseconds of the monotonic clock. */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Who a frame's time belongs to: a package or a file of ours, or undefined to ask its caller. */
export type FrameOwner = (frame: ProfileNode['callFrame']) => string | undefined;

/** Milliseconds of CPU by phase, then by owner; every phase has a `total`. */
export type PhaseTimes = Map<string, Map<string, number>>;

/** V8's pseudo-frames: time that is no function's (`(idle)` is the process waiting). */
const PSEUDO_FRAMES = new Set(['(garbage collector)', '(program)', '(idle)']);

/** The HTTP server's functions that serve a connection: accepting it, reading it, the request. */
const SERVING = /^(connectionListenerInternal|socketOnData|parserOnIncoming)$/;

/**
 * A frame of the HTTP server serving a request (not `node:_http_server`'s module body, which
 * runs at load).
 */
export function isRequestFrame(frame: ProfileNode['callFrame']): boolean {
  return frame.url === 'node:_http_server' && SERVING.test(frame.functionName);
}

/** The installed package a path is in (`@scope/name` or `name`; the innermost), if any. */
export function packageOf(path: string): string | undefined {
  return [...path.matchAll(/node_modules\/((?:@[^/]+\/)?[^/]+)/g)].at(-1)?.[1];
}

/**
 * Splits a profile's samples into `load` (from its start until the first sample serving a
 * request) and `first request` (from then until `untilUs`, the first 2xx's arrival, on the
 * same monotonic clock), each sample's time given to the owner of the nearest frame on its
 * stack that has one: Node's own frames (module loading, `vm.Script`, sockets) count for the
 * code that called them. A sample's time is the interval until the next one, as V8 means it.
 */
export function phaseTimes(profile: CpuProfile, owner: FrameOwner, untilUs: number): PhaseTimes {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parentOf.set(child, node.id);

  const owners = new Map<number, string>();
  const ownerOf = (id: number): string => {
    const known = owners.get(id);
    if (known !== undefined) return known;
    const { callFrame } = byId.get(id)!;
    const parent = parentOf.get(id);
    const found =
      !callFrame.url && PSEUDO_FRAMES.has(callFrame.functionName)
        ? callFrame.functionName
        : (owner(callFrame) ?? (parent === undefined ? 'node' : ownerOf(parent)));
    owners.set(id, found);
    return found;
  };
  const serving = new Map<number, boolean>();
  const servesRequest = (id: number): boolean => {
    const known = serving.get(id);
    if (known !== undefined) return known;
    const parent = parentOf.get(id);
    const found =
      isRequestFrame(byId.get(id)!.callFrame) || (parent !== undefined && servesRequest(parent));
    serving.set(id, found);
    return found;
  };

  const times: PhaseTimes = new Map();
  const add = (phase: string, key: string, ms: number) => {
    const phaseMap = times.get(phase) ?? new Map<string, number>();
    times.set(phase, phaseMap);
    phaseMap.set(key, (phaseMap.get(key) ?? 0) + ms);
  };
  let phase = 'load';
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i]!;
    const next = i + 1 < profile.samples.length ? at + profile.timeDeltas[i + 1]! : profile.endTime;
    if (at >= untilUs) break;
    const id = profile.samples[i]!;
    if (phase === 'load' && servesRequest(id)) phase = 'first request';
    const ms = (Math.min(next, untilUs) - at) / 1000;
    add(phase, ownerOf(id), ms);
    add(phase, 'total', ms);
  }
  return times;
}
