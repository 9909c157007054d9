import { EventEmitter, once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

/**
 * A small stand-in for Cloud Run's front end, for the calibration bench: 1 to `maxInstances`
 * instances of one function behind one port, following the rule the spike simulation models
 * (service-model.ts, spike-sim.ts), so that a measured run and a simulated one differ only in
 * what the simulation leaves out:
 * - an instance takes at most `concurrency` requests at a time; a request goes to the least
 *   busy ready instance (ties: the one started first);
 * - a request no ready instance can take waits in one FIFO queue, and instances are started
 *   until the starting ones have a slot for every waiting request, up to `maxInstances`
 *   (on-demand scaling);
 * - `minInstances` are started before it serves; none is ever stopped (the simulation has no
 *   scale-in either).
 * No request is refused or timed out here: the calibration measures waiting, not Cloud Run's
 * 429 (the simulation is run with no pending timeout to match).
 */

/** An instance the balancer started: where it listens and how to stop it. */
export interface StartedInstance {
  url: string;
  stop(): Promise<unknown>;
}

/** What the balancer knows of each instance. */
export interface InstanceState {
  ready: boolean;
  inFlight: number;
}

/**
 * The instance a new request goes to: the least busy ready one with a free slot, the earliest
 * started on a tie; undefined when every ready instance is full (or none is ready).
 */
export function pickInstance(
  instances: readonly InstanceState[],
  concurrency: number,
): number | undefined {
  let best: number | undefined;
  for (const [i, instance] of instances.entries()) {
    if (!instance.ready || instance.inFlight >= concurrency) continue;
    if (best === undefined || instance.inFlight < instances[best]!.inFlight) best = i;
  }
  return best;
}

/**
 * How many instances to start now: enough that the starting ones have a slot for each waiting
 * request, without going past `maxInstances` in all.
 */
export function instancesToStart(state: {
  waiting: number;
  starting: number;
  instances: number;
  concurrency: number;
  maxInstances: number;
}): number {
  let slots = state.starting * state.concurrency;
  let count = 0;
  while (state.waiting > slots && state.instances + count < state.maxInstances) {
    count++;
    slots += state.concurrency;
  }
  return count;
}

/** One request as the balancer saw it; times in ms since the balancer started. */
export interface BalancedRequest {
  arrivedMs: number;
  /** When an instance took it. */
  admittedMs?: number;
  /** When its answer had gone out in full (or failed). */
  endMs?: number;
  /** Which instance (index in start order). */
  instance?: number;
  /** It waited for an instance that started while it waited. */
  waitedForStart: boolean;
  status?: number;
  /** Why it failed, when the instance did not answer. */
  error?: string;
}

/** One instance as started: when it was asked for, when it was ready, its cold start. */
export interface BalancedInstance {
  requestedMs: number;
  readyMs?: number;
  /** Ask to ready, ms (as the starter measures it, e.g. spawn to first 2xx). */
  coldStartMs?: number;
  /** Why it failed to start. */
  error?: string;
}

export interface BalancerOptions {
  concurrency: number;
  minInstances: number;
  maxInstances: number;
  /** Starts instance number `index`; resolves once it can serve. */
  start(index: number): Promise<StartedInstance>;
}

/** Events, for tests and the bench to wait on (never on sleeps). */
export interface BalancerEvents {
  /** A request arrived and no instance could take it. */
  queued: [request: BalancedRequest];
  /** An instance is being started. */
  starting: [index: number];
  /** An instance is ready and takes requests. */
  ready: [index: number];
  /** An instance took a request. */
  admitted: [request: BalancedRequest];
  /** A request's answer has gone out (or failed). */
  done: [request: BalancedRequest];
  /** After any of the above. */
  change: [];
}

interface Slot extends InstanceState {
  record: BalancedInstance;
  pool?: Pool;
  started?: StartedInstance;
}

interface Waiting {
  request: BalancedRequest;
  go(instance: number): void;
}

/** Headers a proxy does not pass on (RFC 9110 §7.6.1), which undici also refuses to send. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

const forwarded = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name))) as Record<
    string,
    string | string[]
  >;

/** The balancer: a URL to send requests to, what it saw, and stop(). */
export class Balancer extends EventEmitter<BalancerEvents> {
  /** Resolves once `condition()` holds, checked after each change (no polling). */
  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await once(this, 'change');
  }

  readonly requests: BalancedRequest[] = [];
  private readonly slots: Slot[] = [];
  private readonly waiting: Waiting[] = [];
  private starting = 0;
  /** Every launch(), so stop() can wait for instances still starting. */
  private readonly launches: Promise<void>[] = [];
  private server?: Server;
  private readonly t0 = performance.now();

  private constructor(private readonly options: BalancerOptions) {
    super();
    const { concurrency, minInstances, maxInstances } = options;
    if (!(Number.isInteger(concurrency) && concurrency >= 1))
      throw new RangeError('concurrency must be a whole number >= 1');
    if (!(Number.isInteger(maxInstances) && maxInstances >= 1))
      throw new RangeError('maxInstances must be a whole number >= 1');
    if (!(Number.isInteger(minInstances) && minInstances >= 0 && minInstances <= maxInstances))
      throw new RangeError('minInstances must be a whole number from 0 to maxInstances');
  }

  /** Starts `minInstances` instances, then listens on a loopback port. */
  static async start(options: BalancerOptions): Promise<Balancer> {
    const balancer = new Balancer(options);
    try {
      for (let i = 0; i < options.minInstances; i++) balancer.launch();
      await Promise.all(balancer.launches);
      const failed = balancer.slots.find((s) => s.record.error);
      if (failed) throw new Error(`an instance failed to start: ${failed.record.error}`);
      balancer.server = createServer((req, res) => {
        void balancer.handle(req, res);
      });
      // Hold as many client connections as come (an open-loop client opens one per request).
      balancer.server.keepAliveTimeout = 30_000;
      await new Promise<void>((done) => balancer.server!.listen(0, '127.0.0.1', done));
    } catch (error) {
      await balancer.stop();
      throw error;
    }
    return balancer;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  /** The instances asked for so far, in start order. */
  get instances(): BalancedInstance[] {
    return this.slots.map((s) => ({ ...s.record }));
  }

  /** Requests in flight on each instance, and waiting for one. */
  get load(): { inFlight: number[]; waiting: number; starting: number } {
    return {
      inFlight: this.slots.map((s) => s.inFlight),
      waiting: this.waiting.length,
      starting: this.starting,
    };
  }

  /** Emits `event`, then 'change'. */
  private signal<K extends Exclude<keyof BalancerEvents, 'change'>>(
    event: K,
    ...args: BalancerEvents[K]
  ): void {
    (this.emit as (event: string, ...args: unknown[]) => boolean)(event, ...args);
    this.emit('change');
  }

  private now(): number {
    return performance.now() - this.t0;
  }

  /** Asks for one more instance. */
  private launch(): void {
    this.launches.push(this.startOne());
  }

  /** Resolves once the instance is ready (or failed to start). */
  private async startOne(): Promise<void> {
    const index = this.slots.length;
    const slot: Slot = { ready: false, inFlight: 0, record: { requestedMs: this.now() } };
    this.slots.push(slot);
    this.starting++;
    this.signal('starting', index);
    try {
      slot.started = await this.options.start(index);
      // As many connections as requests it may hold, and no timeout: a request may wait on a
      // frozen or starting process for as long as it takes (the calibration measures it).
      slot.pool = new Pool(slot.started.url, {
        connections: this.options.concurrency,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      slot.record.readyMs = this.now();
      slot.record.coldStartMs = slot.record.readyMs - slot.record.requestedMs;
      slot.ready = true;
    } catch (error) {
      slot.record.error = (error as Error).message ?? String(error);
    } finally {
      this.starting--;
    }
    if (slot.ready) {
      this.signal('ready', index);
      this.drain();
    }
  }

  /** Gives waiting requests to instances with a free slot, first come first served. */
  private drain(): void {
    for (;;) {
      if (this.waiting.length === 0) return;
      const instance = pickInstance(this.slots, this.options.concurrency);
      if (instance === undefined) return;
      const next = this.waiting.shift()!;
      if (this.slots[instance]!.record.readyMs! > next.request.arrivedMs)
        next.request.waitedForStart = true;
      // The slot is taken now, not when the request's turn comes: the next pick must see it.
      this.slots[instance]!.inFlight++;
      next.go(instance);
    }
  }

  private scale(): void {
    const count = instancesToStart({
      waiting: this.waiting.length,
      starting: this.starting,
      instances: this.slots.length,
      concurrency: this.options.concurrency,
      maxInstances: this.options.maxInstances,
    });
    for (let i = 0; i < count; i++) this.launch();
  }

  /**
   * An instance for the request, its slot taken: one with a free slot now, else the first that
   * frees or starts.
   */
  private admit(request: BalancedRequest): Promise<number> {
    const now = pickInstance(this.slots, this.options.concurrency);
    // Requests already waiting go first (FIFO), as in the simulation.
    if (now !== undefined && this.waiting.length === 0) {
      this.slots[now]!.inFlight++;
      return Promise.resolve(now);
    }
    return new Promise((go) => {
      this.waiting.push({ request, go });
      this.signal('queued', request);
      this.scale();
    });
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse) {
    const request: BalancedRequest = { arrivedMs: this.now(), waitedForStart: false };
    this.requests.push(request);
    const chunks: Buffer[] = [];
    let slot: Slot | undefined;
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const index = await this.admit(request);
      slot = this.slots[index]!;
      request.instance = index;
      request.admittedMs = this.now();
      this.signal('admitted', request);
      const answer = await slot.pool!.request({
        path: req.url ?? '/',
        method: req.method as 'GET',
        headers: forwarded(req.headers),
        body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      });
      request.status = answer.statusCode;
      res.writeHead(answer.statusCode, forwarded(answer.headers as IncomingHttpHeaders));
      await pipeline(answer.body, res);
    } catch (error) {
      request.error = (error as Error).message ?? String(error);
      if (res.headersSent) res.destroy();
      else res.writeHead(502, { 'content-type': 'text/plain' }).end(`balancer: ${request.error}`);
    } finally {
      request.endMs = this.now();
      if (slot) {
        slot.inFlight--;
        this.drain();
      }
      this.signal('done', request);
    }
  }

  /** Stops listening and stops every instance (waiting for those still starting). */
  async stop(): Promise<void> {
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((done) => this.server!.close(() => done()));
    }
    await Promise.all(this.launches);
    await Promise.all(
      this.slots.map(async (slot) => {
        await slot.pool?.destroy().catch(() => undefined);
        await slot.started?.stop();
      }),
    );
  }
}
