import { Utilisation, type Autoscaler } from './autoscaler';
import { EventQueue } from './event-queue';
import type { Random } from './random';
import {
  checkServiceModel,
  scaleAfterServed,
  scaleAtLoad,
  type ServiceModel,
} from './service-model';

/**
 * A discrete-event simulation of one HTTP function (a Cloud Run service) under a burst of
 * requests: what a user waits, and what fails, while instances start. The model and the scaling
 * rule it follows, with their sources, are in service-model.ts.
 */

/** What happened to one request. */
export interface RequestOutcome {
  arrivalMs: number;
  /** When an instance took it; undefined if none did. */
  admittedMs?: number;
  /** When its answer was sent; undefined if it was rejected. */
  endMs?: number;
  /** The instance that took it (its index in the run's instances); undefined if none did. */
  instance?: number;
  /** Time spent holding stages; the rest of endMs − arrivalMs was waiting. */
  serviceMs: number;
  /** It was taken by an instance that started while it waited: a cold start on its path. */
  waitedForStart: boolean;
  /** 429: no instance took it within the pending timeout. */
  rejected: boolean;
  /** It found its instance with none in flight: it woke it (Stage.wakeMs). */
  woke: boolean;
}

/** One instance: when it was asked for and when it could serve. */
export interface InstanceRecord {
  requestedMs: number;
  readyMs: number;
}

/** The outcome of every request (in arrival order) and every instance. */
export interface SimulationRun {
  requests: RequestOutcome[];
  instances: InstanceRecord[];
}

interface Instance extends InstanceRecord {
  /** Its place in the run's instances. */
  index: number;
  ready: boolean;
  /** Started during the run: it warms up (Stage.warmUp). */
  fresh: boolean;
  inFlight: number;
  /** Requests it has taken so far. */
  taken: number;
  stages: { busy: number; queue: RequestOutcome[]; period: number; usedMs: number }[];
}

/**
 * When a hold of `ms` that starts at `startMs` ends under a CFS quota: it runs while the
 * period's CPU lasts, then waits for the next period. `state` carries the period's use.
 */
export function quotaEndMs(
  quota: { vcpu: number; periodMs: number; cpuPerMs?: number },
  state: { period: number; usedMs: number },
  startMs: number,
  ms: number,
): number {
  const cpuPerMs = quota.cpuPerMs ?? 1;
  let t = startMs;
  let left = ms;
  while (left > 0) {
    const period = Math.floor(t / quota.periodMs);
    if (period !== state.period) {
      state.period = period;
      state.usedMs = 0;
    }
    const periodEnd = (period + 1) * quota.periodMs;
    const runnable = (quota.vcpu * quota.periodMs - state.usedMs) / cpuPerMs;
    const run = Math.min(left, runnable, periodEnd - t);
    if (run <= 1e-9) {
      t = periodEnd;
      continue;
    }
    state.usedMs += run * cpuPerMs;
    left -= run;
    t += run;
  }
  return t;
}

type Event =
  | { kind: 'ready'; instance: Instance }
  | { kind: 'held'; instance: Instance; request: RequestOutcome; stage: number }
  | { kind: 'timeout'; request: RequestOutcome }
  | { kind: 'tick' };

/** Runs the service through the given arrival times (ms); deterministic for a given `random`. */
export function simulate(
  model: ServiceModel,
  arrivals: readonly number[],
  random: Random,
): SimulationRun {
  checkServiceModel(model);
  const events = new EventQueue<Event>();
  const instances: Instance[] = [];
  const waiting: RequestOutcome[] = [];
  let waitingHead = 0;
  let waitingCount = 0;
  let now = 0;
  let starting = 0;
  const utilisation = new Utilisation();

  const start = (warm: boolean) => {
    const readyMs = warm ? 0 : now + model.coldStartMs(random);
    const instance: Instance = {
      index: instances.length,
      requestedMs: now,
      readyMs,
      ready: warm,
      fresh: !warm,
      inFlight: 0,
      taken: 0,
      stages: [],
    };
    instance.stages = model.stages.map(() => ({ busy: 0, queue: [], period: -1, usedMs: 0 }));
    instances.push(instance);
    if (!warm) {
      starting++;
      events.push(readyMs, { kind: 'ready', instance });
    }
  };
  const hold = (instance: Instance, request: RequestOutcome, stage: number) => {
    const state = instance.stages[stage]!;
    state.busy++;
    if (model.stages[stage]!.cpu) utilisation.cpuBusy += 1 / model.stages[stage]!.capacity;
    const { perLoad, quota, warmUp, wakeMs } = model.stages[stage]!;
    let ms =
      model.stages[stage]!.holdMs(random) *
      (perLoad ? scaleAtLoad(perLoad, instance.inFlight) : 1) *
      (warmUp && instance.fresh ? scaleAfterServed(warmUp, instance.taken) : 1);
    // Each stage is held once per request: a wake is charged once.
    if (wakeMs && request.woke) ms += wakeMs;
    const end = quota ? quotaEndMs(quota, state, now, ms) : now + ms;
    request.serviceMs += end - now;
    events.push(end, { kind: 'held', instance, request, stage });
  };
  const enter = (instance: Instance, request: RequestOutcome, stage: number) => {
    if (stage === model.stages.length) return finish(instance, request);
    const state = instance.stages[stage]!;
    if (state.busy < model.stages[stage]!.capacity) hold(instance, request, stage);
    else state.queue.push(request);
  };
  const admit = (instance: Instance, request: RequestOutcome) => {
    request.admittedMs = now;
    request.instance = instance.index;
    request.woke = instance.inFlight === 0;
    instance.inFlight++;
    instance.taken++;
    utilisation.inFlight++;
    enter(instance, request, 0);
  };
  const takeWaiting = (): RequestOutcome | undefined => {
    while (waitingHead < waiting.length) {
      const request = waiting[waitingHead++]!;
      if (request.rejected) continue;
      waitingCount--;
      return request;
    }
    return undefined;
  };
  const finish = (instance: Instance, request: RequestOutcome) => {
    request.endMs = now;
    instance.inFlight--;
    utilisation.inFlight--;
    const next = takeWaiting();
    if (next) admit(instance, next);
  };
  // On-demand scaling: enough starting instances for every waiting request.
  const scaleForWaiting = () => {
    let startingSlots = starting * model.concurrency;
    while (waitingCount > startingSlots && instances.length < model.maxInstances) {
      start(false);
      startingSlots += model.concurrency;
    }
  };
  const leastBusy = (): Instance | undefined => {
    let best: Instance | undefined;
    for (const i of instances) {
      if (i.ready && i.inFlight < model.concurrency && (!best || i.inFlight < best.inFlight)) {
        best = i;
      }
    }
    return best;
  };
  // Metrics-based scaling: up to what the one-minute averages ask for (never down: see the model).
  const autoscale = (scaler: Autoscaler) => {
    const wanted = utilisation.wantedInstances(scaler, model.concurrency);
    const target = Math.min(model.maxInstances, Math.max(model.minInstances, wanted));
    while (instances.length < target) start(false);
  };

  for (let i = 0; i < model.minInstances; i++) start(true);
  const requests = [...arrivals]
    .sort((a, b) => a - b)
    .map((arrivalMs): RequestOutcome => ({
      arrivalMs,
      // Every field from the start: one object shape, which V8 handles much faster.
      admittedMs: undefined,
      endMs: undefined,
      serviceMs: 0,
      waitedForStart: false,
      rejected: false,
      woke: false,
    }));
  if (model.autoscaler) events.push(model.autoscaler.intervalMs, { kind: 'tick' });
  const advance = (to: number) => {
    utilisation.advance(to);
    now = to;
  };

  // Arrivals come from their sorted list (they win ties: they were known first); the rest
  // from the queue. Keeping 10⁵ arrivals out of the heap makes a run several times faster.
  let arrived = 0;
  for (;;) {
    const queued = events.peekTime();
    const request = requests[arrived];
    if (request && (queued === undefined || request.arrivalMs <= queued)) {
      arrived++;
      advance(request.arrivalMs);
      const instance = leastBusy();
      if (instance) {
        admit(instance, request);
        continue;
      }
      waiting.push(request);
      waitingCount++;
      if (Number.isFinite(model.pendingTimeoutMs)) {
        events.push(now + model.pendingTimeoutMs, { kind: 'timeout', request });
      }
      scaleForWaiting();
      continue;
    }
    const next = events.pop();
    if (!next) break;
    advance(next.at);
    const event = next.event;
    if (event.kind === 'ready') {
      event.instance.ready = true;
      starting--;
      while (event.instance.inFlight < model.concurrency) {
        const request = takeWaiting();
        if (!request) break;
        request.waitedForStart = true;
        admit(event.instance, request);
      }
    } else if (event.kind === 'held') {
      const { instance, request, stage } = event;
      const state = instance.stages[stage]!;
      state.busy--;
      if (model.stages[stage]!.cpu) utilisation.cpuBusy -= 1 / model.stages[stage]!.capacity;
      const queued = state.queue.shift();
      if (queued) hold(instance, queued, stage);
      enter(instance, request, stage + 1);
    } else if (event.kind === 'timeout') {
      if (event.request.admittedMs === undefined && !event.request.rejected) {
        event.request.rejected = true;
        waitingCount--;
      }
    } else if (model.autoscaler && (events.size > 0 || arrived < requests.length)) {
      // A tick: the autoscaler runs while anything else is still to happen.
      autoscale(model.autoscaler);
      events.push(now + model.autoscaler.intervalMs, { kind: 'tick' });
    }
  }
  return {
    requests,
    instances: instances.map(({ requestedMs, readyMs }) => ({ requestedMs, readyMs })),
  };
}
