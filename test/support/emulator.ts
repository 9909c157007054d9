import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './processes';

/** A Pub/Sub emulator started for a test; `stop()` kills its whole process group (the Java child too). */
export interface Emulator {
  host: string;
  /** A project id of its own, so suites sharing one emulator never share a topic. */
  project: string;
  stop(): Promise<void>;
}

let projects = 0;
const freshProject = () => `demo-manifest-${process.pid}-${++projects}`;

/**
 * An emulator someone else runs (a container on Cloud Build's network): TEST_PUBSUB_EMULATOR_HOST.
 * The tests then neither start nor stop one.
 */
const external = process.env.TEST_PUBSUB_EMULATOR_HOST;

/** Why the emulator cannot run here, or undefined when it can (gcloud with the emulator installed). */
export function emulatorUnavailable(): string | undefined {
  if (external) return undefined;
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
  if (external) return { host: external, project, stop: async () => undefined };
  const failures: string[] = [];
  for (let attempt = 1; attempt <= 3; attempt++) {
    const started = await startOnce(project);
    if ('host' in started) return started;
    failures.push(`attempt ${attempt}: ${started.failure}`);
  }
  throw new Error(`the emulator did not start:\n${failures.join('\n')}`);
}

async function startOnce(project: string): Promise<Emulator | { failure: string }> {
  const port = await freePort();
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
  const emulator: Emulator = { host, project, stop: () => stopGroup(child) };
  // The tail only: a broken emulator logs a Java stack trace per probe.
  const tail = () => output.slice(-1500);
  const { PubSub } = await import('@google-cloud/pubsub');
  const client = new PubSub({ projectId: project, apiEndpoint: host });
  const deadline = Date.now() + 30_000;
  try {
    for (;;) {
      if (child.exitCode !== null) return { failure: `it exited: ${tail()}` };
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
  await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
  signal('SIGKILL');
}
