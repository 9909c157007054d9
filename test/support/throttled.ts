import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import { cgroupsUnavailable, createInstanceCgroup, type Controller, type CpuStat } from './cgroups';
import { startCountingProxy } from './counting-proxy';
import { signalFreezer, type Freezer } from './freezer';
import { launchFunction, whenReady, type LaunchedFunction, type LaunchOptions } from './launcher';
import { until } from './until';

/**
 * The throttled-instance harness: a function launched as deployed (launcher.ts), behind a
 * small proxy that gives it CPU the way Cloud Run does by default, only while a request is in
 * flight. The first request to arrive thaws the process; when the last answer has gone out, the
 * process is frozen again. Everything that reaches the function goes through the proxy's `url`
 * (an emulator push is a request like any other). Optionally the process also gets the CPU
 * share Terraform gives it: a cgroup v1 `cpu` quota, in force from its first instruction (it
 * joins its cgroups in a shell that then execs node), which is what makes cold starts honest.
 *
 * Freezing uses the cgroup `freezer` where this process may make cgroups (root, v1 mounted),
 * else SIGSTOP/SIGCONT of the function's process group. A quota needs cgroups: without them
 * startThrottled refuses one, saying why.
 */
export interface ThrottleOptions extends Omit<LaunchOptions, 'ready' | 'prefix' | 'detached'> {
  /**
   * A request (through the proxy) that must answer 2xx before the harness is ready, as the
   * benchmark's cold starts use; by default, ready once the port accepts connections (Cloud
   * Run's default TCP startup probe). Requests that arrive before are held, not refused.
   */
  ready?: { path: string; init?: RequestInit };
  /** vCPUs to cap the process at (see vcpuShare in sizing.ts); unset: all the machine has. */
  cpu?: number;
  /**
   * Makes the quota a reservation as well: the largest cgroup weight (cpu.shares), so that the
   * process gets its `cpu` whatever else runs on the machine, as a Cloud Run instance has its
   * vCPU to itself. Needs `cpu`; for benchmarks whose quotas in all fit the machine.
   */
  reserveCpu?: boolean;
  /** How to freeze it (default: 'cgroup' where cgroups can be made, else 'signal'). */
  freezer?: 'cgroup' | 'signal';
}

export interface ThrottledFunction {
  name: string;
  /** The proxy's base URL: the only way to reach the function. */
  url: string;
  pid: number;
  /** The function's process (its output, logs, memory, exit). */
  instance: LaunchedFunction;
  freezer: 'cgroup' | 'signal';
  /** The CPU quota in vCPUs, when one applies. */
  cpu?: number;
  /** The directories of its cgroups (none when it is frozen by signal and has no quota). */
  cgroups: string[];
  /** Milliseconds from spawn until ready (see ThrottleOptions.ready). */
  coldStartMs: number;
  /** Whether the process is frozen now. */
  readonly frozen: boolean;
  /** Requests seen, in flight now, and freezes and thaws done so far. */
  readonly counts: { requests: number; inFlight: number; freezes: number; thaws: number };
  /** The cpu cgroup's throttling counters (only with a quota). */
  cpuStat(): CpuStat;
  /** Resolves once no request is in flight and the process is frozen (or, after resume(), running). */
  idle(): Promise<void>;
  /**
   * Resolves once `count` requests have arrived since start and all are answered, and the
   * process is idle (as idle()): how a test waits for pushes it cannot see being sent.
   */
  served(count: number): Promise<void>;
  /** Frozen whenever idle again (the default, Cloud Run's request-based CPU); freezes now if idle. */
  pause(): Promise<void>;
  /** Gives it CPU outside requests too (as with CPU always allocated); thaws it now. */
  resume(): Promise<void>;
  /** Thaws it, stops it (SIGTERM, SIGKILL after 10 s) and removes its cgroups; its exit code. */
  stop(): Promise<number | null>;
}

/** The largest cpu.shares cgroup v1 takes (kernel/sched: MAX_SHARES = 1 << 18). */
export const MAX_CPU_SHARES = 262_144;

/** Launches a function behind the throttling proxy; resolves when it is ready and frozen. */
export async function startThrottled(options: ThrottleOptions): Promise<ThrottledFunction> {
  const unavailable = cgroupsUnavailable();
  const kind = options.freezer ?? (unavailable ? 'signal' : 'cgroup');
  if (unavailable && (kind === 'cgroup' || options.cpu !== undefined))
    throw new Error(`the throttled harness cannot use cgroups here: ${unavailable}`);
  if (options.reserveCpu && options.cpu === undefined)
    throw new Error('reserveCpu needs a cpu quota');
  const controllers: Controller[] = [
    ...(options.cpu !== undefined ? (['cpu'] as const) : []),
    ...(kind === 'cgroup' ? (['freezer'] as const) : []),
  ];
  const cgroup = controllers.length ? createInstanceCgroup(options.name, controllers) : undefined;
  if (options.cpu !== undefined) cgroup!.setCpu(options.cpu);
  if (options.reserveCpu) cgroup!.setCpuShares(MAX_CPU_SHARES);

  let fn: LaunchedFunction;
  try {
    // Into its cgroups before node starts: the quota holds from the first instruction.
    fn = await launchFunction({
      ...options,
      ready: 'spawned',
      detached: true,
      ...(cgroup ? { prefix: ['/bin/sh', '-c', `${cgroup.joinCommand} && exec "$@"`, 'sh'] } : {}),
    });
  } catch (error) {
    await cgroup?.remove();
    throw error;
  }
  // Should this process end without stop(), nothing stays frozen: the cgroup has its watcher
  // (cgroups.ts), and a group stopped by SIGSTOP is orphaned then, so the kernel sends it
  // SIGHUP and SIGCONT (node exits on SIGHUP).
  const freezer: Freezer = kind === 'cgroup' ? cgroup! : signalFreezer(fn.pid);
  const exited = () => fn.process.exitCode !== null || fn.process.signalCode !== null;

  const counts = { requests: 0, inFlight: 0, freezes: 0, thaws: 0 };
  const changes = new EventEmitter();
  let listening = false;
  let frozen = false;
  let throttling = true;
  let stopping = false;
  let chain = Promise.resolve();
  // One change at a time, each toward what the state calls for when its turn comes.
  const settle = () => {
    const step = chain.then(async () => {
      const want = throttling && !stopping && listening && counts.inFlight === 0;
      if (want && !frozen) {
        await freezer.freeze();
        frozen = true;
        counts.freezes++;
      } else if (!want && frozen) {
        freezer.thaw();
        frozen = false;
        counts.thaws++;
      }
      changes.emit('settled');
    });
    // A failed change fails its caller, not the changes after it.
    chain = step.catch(() => undefined);
    return step;
  };

  // Cloud Run's default startup probe: the port accepts a TCP connection. Requests that
  // arrive before are held, as Cloud Run holds them during a cold start.
  const port = Number(new URL(fn.url).port);
  const listened = until(
    `${fn.name} to listen`,
    async () => {
      if (exited()) throw new Error(`${fn.name} exited before it listened:\n${fn.output()}`);
      return accepts(port);
    },
    60000,
    5,
  ).then(() => {
    listening = true;
  });
  const proxy = await startCountingProxy(port, {
    arrived: async () => {
      counts.requests++;
      counts.inFlight++;
      await listened;
      await settle();
      return stopping ? 'the instance is stopping' : undefined;
    },
    done: () => {
      counts.inFlight--;
      // A freeze that fails (the process has exited) leaves it running; idle() says so.
      settle().catch(() => undefined);
    },
  });

  const stop = async () => {
    stopping = true;
    await settle().catch(() => undefined);
    proxy.close();
    const code = await fn.stop();
    await cgroup?.remove();
    return code;
  };

  // Each change of state emits 'settled' (settle()), so waiting on it never polls.
  const servedAtLeast = async (count: number) => {
    for (;;) {
      await chain;
      if (counts.requests >= count && counts.inFlight === 0 && frozen === throttling) return;
      if (exited()) throw new Error(`${fn.name} exited:\n${fn.output()}`);
      await once(changes, 'settled');
    }
  };

  try {
    await listened;
    const coldStartMs = options.ready
      ? await whenReady(fn, proxy.url, options.ready, options.probeEveryMs)
      : performance.now() - fn.spawnedAt;
    await settle();
    return {
      name: fn.name,
      url: proxy.url,
      pid: fn.pid,
      instance: fn,
      freezer: kind,
      ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
      cgroups: cgroup?.dirs ?? [],
      coldStartMs,
      get frozen() {
        return frozen;
      },
      get counts() {
        return { ...counts };
      },
      cpuStat: () => {
        if (!cgroup?.controllers.includes('cpu')) throw new Error(`${fn.name} has no CPU quota`);
        return cgroup.cpuStat();
      },
      idle: () => servedAtLeast(0),
      served: servedAtLeast,
      pause: async () => {
        throttling = true;
        await settle();
      },
      resume: async () => {
        throttling = false;
        await settle();
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether something accepts TCP connections on a loopback port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), done(true)));
    socket.once('error', () => done(false));
  });
}
