import { resolve } from 'node:path';
import { logBuffer } from '../support/logs';

// The drain on its own (runtime/graceful.ts): on SIGTERM the instance waits for the work in
// flight, then runs the shutdown steps (the database pool closes), then exits 0; and it waits
// no longer than SHUTDOWN_GRACE_MS. The work in flight is a latch the test releases; the grace
// period runs on jest's fake clock, so nothing here waits on the wall clock.
// (test/integration/graceful-shutdown.test.ts covers the same through a real function process.)

const RUNTIME = resolve(__dirname, '../../shared/runtime');

interface Instance {
  graceful: typeof import('../../shared/runtime/graceful');
  events: string[];
  /** Resolves with the exit code the drain passed to exit(). */
  exited: Promise<number>;
}

/** A fresh instance (its own module registry: nothing in flight, no shutdown begun) whose SIGTERM the test sends. */
async function instance(): Promise<Instance> {
  let result!: Instance;
  await jest.isolateModulesAsync(async () => {
    const logging: typeof import('../../shared/logging') = await import(
      resolve(__dirname, '../../shared/logging')
    );
    logging.setLogSink(logBuffer);
    const graceful: typeof import('../../shared/runtime/graceful') = await import(
      resolve(RUNTIME, 'graceful')
    );
    const shutdown: typeof import('../../shared/runtime/shutdown') = await import(
      resolve(RUNTIME, 'shutdown')
    );
    const events: string[] = [];
    // As shared/db registers its pool.
    shutdown.onShutdown('database pool', async () => {
      events.push('pool closed');
    });
    let exit!: (code: number) => void;
    const exited = new Promise<number>((resolved) => (exit = resolved));
    graceful.takeOverSignals((code) => {
      events.push(`exit ${code}`);
      exit(code);
    });
    result = { graceful, events, exited };
  });
  return result;
}

describe('graceful shutdown: the drain', () => {
  const signals = ['SIGTERM', 'SIGINT'] as const;
  let saved: Map<string, NodeJS.SignalsListener[]>;

  beforeEach(() => {
    // takeOverSignals replaces every listener, jest's own included: put them back afterwards.
    saved = new Map(signals.map((s) => [s, process.listeners(s)]));
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] });
  });
  afterEach(() => {
    jest.useRealTimers();
    for (const signal of signals) {
      process.removeAllListeners(signal);
      for (const listener of saved.get(signal)!) process.on(signal, listener);
    }
  });

  it('waits for the request in flight to finish, then closes the pool, then exits 0', async () => {
    const { graceful, events, exited } = await instance();
    const endRequest = graceful.beginWork();

    process.emit('SIGTERM');
    // Everything short of the grace period passes (and every pending callback with it): the
    // request still holds the shutdown.
    await jest.advanceTimersByTimeAsync(graceful.SHUTDOWN_GRACE_MS - 1);
    expect(events).toEqual([]);

    events.push('request ended');
    endRequest();
    // The clock does not move: the end of the request alone lets the shutdown run (checked
    // before awaiting `exited`, so a drain that missed it fails here rather than at jest's timeout).
    await jest.advanceTimersByTimeAsync(0);
    expect(events).toEqual(['request ended', 'pool closed', 'exit 0']);
    expect(await exited).toBe(0);
  });

  it('shuts down at once when nothing is in flight', async () => {
    const { graceful, events, exited } = await instance();
    graceful.beginWork()(); // a request that has already finished

    process.emit('SIGTERM');
    expect(await exited).toBe(0);
    expect(events).toEqual(['pool closed', 'exit 0']);
  });

  it('does not wait past its bound: at SHUTDOWN_GRACE_MS it closes the pool under a request that never ends', async () => {
    const { graceful, events, exited } = await instance();
    graceful.beginWork(); // never ends

    process.emit('SIGTERM');
    await jest.advanceTimersByTimeAsync(graceful.SHUTDOWN_GRACE_MS - 1);
    expect(events).toEqual([]);
    // Reaching the bound is enough: by the time the clock has moved (and the callbacks due have
    // run), the instance has shut down. Not awaiting `exited` first, so a drain without its bound
    // fails here instead of hanging until jest's timeout.
    await jest.advanceTimersByTimeAsync(1);
    expect(events).toEqual(['pool closed', 'exit 0']);
    expect(await exited).toBe(0);
  });

  it('the bound leaves the shutdown steps time inside the 10 s Cloud Run allows after SIGTERM', async () => {
    const { graceful } = await instance();
    expect(graceful.SHUTDOWN_GRACE_MS).toBeLessThan(10_000);
  });
});
