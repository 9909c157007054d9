import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './processes';

/** A Pub/Sub emulator started for a test; `stop()` kills its whole process group (the Java child too). */
export interface Emulator {
  host: string;
  /** A project id of its own, so suites sharing one emulator never share a topic. */
  project: string;
  stop(): Promise<void>;
  /**
   * Starts it again after `stop()`, on the same host:port and project (clients configured with
   * `host` reach the new one). The emulator keeps everything in memory: the new one has no
   * topics or subscriptions until they are provisioned again. Not possible for an external one.
   */
  restart(): Promise<void>;
}

let projects = 0;
const freshProject = () => `demo-manifest-${process.pid}-${++projects}`;

/**
 * An emulator someone else runs (a container on Cloud Build's network): TEST_PUBSUB_EMULATOR_HOST.
 * The tests then neither start nor stop one.
 */
const external = process.env.TEST_PUBSUB_EMULATOR_HOST;

/**
 * Where the answer of the one gcloud probe is kept ('' when the emulator can run): global
 * setup probes once and the test workers inherit it (`gcloud --version` takes over a second).
 */
const PROBED = 'MANIFEST_TEST_EMULATOR_UNAVAILABLE';

/** Why the emulator cannot run here, or undefined when it can (gcloud with the emulator installed). */
export function emulatorUnavailable(): string | undefined {
  if (external) return undefined;
  const known = process.env[PROBED];
  if (known !== undefined) return known || undefined;
  const reason = probeGcloud();
  process.env[PROBED] = reason ?? '';
  return reason;
}

function probeGcloud(): string | undefined {
  const probe = spawnSync('gcloud', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return 'gcloud is not installed';
  if (!/pubsub-emulator/.test(probe.stdout))
    return 'the gcloud Pub/Sub emulator component is not installed';
  return undefined;
}

/**
 * Starts a fresh emulator on a free port and waits until it answers the client library (gRPC,
 * the protocol everything here speaks to it). A start that has not answered within 30 s is
 * killed and tried again on another port: under CI load the emulator has once come up unable
 * to route connections ("Unexpected HTTP/1.x request") and stayed so for its whole life.
 */
export async function startEmulator(project = freshProject()): Promise<Emulator> {
  if (external)
    return {
      host: external,
      project,
      stop: async () => undefined,
      restart: async () => {
        throw new Error('an external emulator (TEST_PUBSUB_EMULATOR_HOST) cannot be restarted');
      },
    };
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = await startOnce(project, await freePort());
    if ('stop' in started) return wrap(started, project);
    failures.push(`attempt ${attempt}: ${started.failure}`);
  }
  throw new Error(`the emulator did not start:\n${failures.join('\n')}`);
}

/** The started process behind the Emulator handle; `restart()` swaps it for a new one. */
interface Running {
  port: number;
  stop(): Promise<void>;
}

function wrap(first: Running, project: string): Emulator {
  let current: Running | undefined = first;
  const { port } = first;
  return {
    host: `127.0.0.1:${port}`,
    project,
    stop: async () => {
      const running = current;
      current = undefined;
      await running?.stop();
    },
    restart: async () => {
      await current?.stop();
      current = undefined;
      // The same port, or clients pointed at `host` would lose it: no new port on a bad start.
      const failures: string[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        const started = await startOnce(project, port);
        if ('stop' in started) {
          current = started;
          return;
        }
        failures.push(`restart attempt ${attempt}: ${started.failure}`);
      }
      throw new Error(`the emulator did not start again:\n${failures.join('\n')}`);
    },
  };
}

async function startOnce(project: string, port: number): Promise<Running | { failure: string }> {
  const child: ChildProcess = spawn(
    'gcloud',
    [
      'beta',
      'emulators',
      'pubsub',
      'start',
      `--host-port=127.0.0.1:${port}`,
      `--project=${project}`,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const host = `127.0.0.1:${port}`;
  const emulator: Running = { port, stop: () => stopGroup(child) };
  // The tail only: a broken emulator logs a Java stack trace per probe.
  const tail = () => output.slice(-1500);
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: project, apiEndpoint: host });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) {
        // The gcloud wrapper is gone; its Java server may not be, and may hold the port.
        await emulator.stop();
        return { failure: `it exited: ${tail()}` };
      }
      if (Date.now() > deadline) {
        await emulator.stop();
        return { failure: `no answer within 30 s: ${tail()}` };
      }
      if (/Server started/.test(output)) {
        const answered = await Promise.race([
          client.getTopics().then(
            () => true,
            () => false,
          ),
          new Promise<boolean>((done) => setTimeout(() => done(false), 2000)),
        ]);
        if (answered) return emulator;
      }
      await new Promise((done) => setTimeout(done, 250));
    }
  } finally {
    await client.close();
  }
}

/** Stops the emulator's whole process group: the Java server can outlive the gcloud wrapper. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const group = -child.pid!;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(group, name);
    } catch {
      // the group is gone already
    }
  };
  const exited =
    child.exitCode !== null ? Promise.resolve() : new Promise((done) => child.once('exit', done));
  signal('SIGTERM');
  // The grace timer is cleared once the group exits, so it cannot hold jest open after the suite.
  let grace: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((done) => (grace = setTimeout(done, 5000)))]);
  clearTimeout(grace);
  signal('SIGKILL');
}
