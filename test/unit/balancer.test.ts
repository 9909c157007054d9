import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import {
  Balancer,
  instancesToStart,
  pickInstance,
  type BalancerOptions,
} from '../../bench/lib/balancer';

/**
 * The balancer's rules (bench/lib/balancer.ts) over loopback HTTP: each instance is a small
 * server in this process that holds every request until the test lets it answer, and each
 * start waits until the test lets it finish, so every step is sequenced on events.
 */
class Upstreams {
  readonly held: ServerResponse[][] = [];
  readonly most: number[] = [];
  private readonly gates: (() => void)[] = [];
  private readonly gated = new Map<number, Promise<void>>();
  readonly arrivals = new EventTarget();
  private readonly servers: ReturnType<typeof createServer>[] = [];

  /** Instance `index` starts only once open(index) is called (instance 0 needs no gate). */
  gate(index: number): void {
    this.gated.set(index, new Promise<void>((go) => (this.gates[index] = go)));
  }
  open(index: number): void {
    this.gates[index]!();
  }
  openAll(): void {
    this.gates.forEach((go) => go());
  }

  start: BalancerOptions['start'] = async (index) => {
    await this.gated.get(index);
    this.held[index] = [];
    this.most[index] = 0;
    let inFlight = 0;
    const server = createServer((_req, res) => {
      inFlight++;
      this.most[index] = Math.max(this.most[index]!, inFlight);
      res.once('finish', () => inFlight--);
      this.held[index]!.push(res);
      this.arrivals.dispatchEvent(new Event('request'));
    });
    this.servers.push(server);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      stop: () => new Promise((done) => (server.closeAllConnections(), server.close(done))),
    };
  };

  /** Resolves once `count` requests have reached instances in all. */
  async reached(count: number): Promise<void> {
    while (this.held.reduce((sum, h) => sum + (h?.length ?? 0), 0) < count)
      await once(this.arrivals, 'request');
  }

  /** Lets instance `index`'s oldest held request answer. */
  release(index: number): void {
    this.held[index]!.shift()!.end('ok');
  }
  releaseAll(): void {
    for (const held of this.held) while (held?.length) held.shift()!.end('ok');
  }
}

const send = (balancer: Balancer) =>
  request(`${balancer.url}/people`).then(async (r) => ({
    status: r.statusCode,
    body: await r.body.text(),
  }));

let balancer: Balancer | undefined;
let upstreams: Upstreams;
beforeEach(() => {
  upstreams = new Upstreams();
});
afterEach(async () => {
  upstreams.openAll(); // a failed test may leave a start waiting: stop() waits for it
  upstreams.releaseAll();
  await balancer?.stop();
  balancer = undefined;
});

describe('the balancer', () => {
  it('gives an instance no more than its concurrency: the next request waits for a slot', async () => {
    balancer = await Balancer.start({
      concurrency: 2,
      minInstances: 1,
      maxInstances: 1,
      start: upstreams.start,
    });
    const answers = [send(balancer), send(balancer)];
    await upstreams.reached(2);
    const queued = once(balancer, 'queued');
    answers.push(send(balancer));
    await queued;
    expect(balancer.load).toEqual({ inFlight: [2], waiting: 1, starting: 0 });
    expect(upstreams.held[0]!.length).toBe(2);

    const admitted = once(balancer, 'admitted');
    upstreams.release(0);
    await admitted;
    await upstreams.reached(2);
    expect(balancer.load).toEqual({ inFlight: [2], waiting: 0, starting: 0 });
    upstreams.releaseAll();
    expect(await Promise.all(answers)).toEqual([
      { status: 200, body: 'ok' },
      { status: 200, body: 'ok' },
      { status: 200, body: 'ok' },
    ]);
    expect(upstreams.most).toEqual([2]);
    expect(balancer.instances.length).toBe(1);
  });

  it('starts an instance only when all are busy, enough for the requests waiting', async () => {
    upstreams.gate(1);
    upstreams.gate(2);
    balancer = await Balancer.start({
      concurrency: 2,
      minInstances: 1,
      maxInstances: 3,
      start: upstreams.start,
    });
    const answers = [send(balancer), send(balancer)];
    await upstreams.reached(2);
    expect(balancer.instances.length).toBe(1);

    // The third finds both slots busy: one instance starts (two slots for one waiting).
    let starting = once(balancer, 'starting');
    answers.push(send(balancer));
    expect(await starting).toEqual([1]);
    // The fourth waits too, and the starting instance has a slot for it: nothing more starts.
    const queued = once(balancer, 'queued');
    answers.push(send(balancer));
    await queued;
    expect(balancer.load).toEqual({ inFlight: [2, 0], waiting: 2, starting: 1 });
    // The fifth is one more than the starting instance can take: a third starts.
    starting = once(balancer, 'starting');
    answers.push(send(balancer));
    expect(await starting).toEqual([2]);
    expect(balancer.load).toEqual({ inFlight: [2, 0, 0], waiting: 3, starting: 2 });

    // Once instance 1 is ready, it takes two of the waiting, in order of arrival.
    const ready = once(balancer, 'ready');
    upstreams.open(1);
    await ready;
    await upstreams.reached(4);
    expect(balancer.load).toEqual({ inFlight: [2, 2, 0], waiting: 1, starting: 1 });
    upstreams.open(2);
    await upstreams.reached(5);
    expect(balancer.load).toEqual({ inFlight: [2, 2, 1], waiting: 0, starting: 0 });
    expect(balancer.requests.map((r) => [r.instance, r.waitedForStart])).toEqual([
      [0, false],
      [0, false],
      [1, true],
      [1, true],
      [2, true],
    ]);
    upstreams.releaseAll();
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  });

  it('starts no more than maxInstances: requests past their slots wait', async () => {
    balancer = await Balancer.start({
      concurrency: 1,
      minInstances: 1,
      maxInstances: 3,
      start: upstreams.start,
    });
    const answers = Array.from({ length: 6 }, () => send(balancer!));
    await upstreams.reached(3);
    await balancer.until(() => balancer!.requests.length === 6 && balancer!.load.waiting === 3);
    expect(balancer.instances.length).toBe(3);
    expect(balancer.load).toEqual({ inFlight: [1, 1, 1], waiting: 3, starting: 0 });
    // Each answer frees a slot for one waiting request, still on three instances.
    for (let i = 0; i < 3; i++) {
      const admitted = once(balancer, 'admitted');
      upstreams.release(i);
      await admitted;
    }
    await upstreams.reached(3);
    upstreams.releaseAll();
    expect((await Promise.all(answers)).map((a) => a.status)).toEqual([
      200, 200, 200, 200, 200, 200,
    ]);
    expect(balancer.instances.length).toBe(3);
    expect(upstreams.most).toEqual([1, 1, 1]);
  });
});

describe('the balancer rules', () => {
  it('picks the least busy ready instance with a free slot, the first on a tie', () => {
    const instances = [
      { ready: true, inFlight: 2 },
      { ready: true, inFlight: 1 },
      { ready: false, inFlight: 0 },
      { ready: true, inFlight: 1 },
    ];
    expect(pickInstance(instances, 2)).toBe(1);
    expect(pickInstance([{ ready: true, inFlight: 2 }], 2)).toBeUndefined();
    expect(pickInstance([{ ready: false, inFlight: 0 }], 2)).toBeUndefined();
  });

  it('starts enough instances for the waiting requests, within the maximum', () => {
    const base = { starting: 0, instances: 1, concurrency: 16, maxInstances: 3 };
    expect(instancesToStart({ ...base, waiting: 0 })).toBe(0);
    expect(instancesToStart({ ...base, waiting: 1 })).toBe(1);
    expect(instancesToStart({ ...base, waiting: 16, starting: 1, instances: 2 })).toBe(0);
    expect(instancesToStart({ ...base, waiting: 17, starting: 1, instances: 2 })).toBe(1);
    expect(instancesToStart({ ...base, waiting: 100 })).toBe(2);
  });
});
