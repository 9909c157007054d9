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

/** Starts a fresh emulator on a free port and waits until it answers. */
export async function startEmulator(project = freshProject()): Promise<Emulator> {
  if (external) return { host: external, project, stop: async () => undefined };
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
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the emulator exited: ${output}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, 'SIGKILL');
      throw new Error(`the emulator did not start within 60 s: ${output}`);
    }
    try {
      const res = await fetch(`http://${host}/v1/projects/${project}/topics`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return {
    host,
    project,
    stop: async () => {
      const group = -child.pid!;
      const signal = (name: NodeJS.Signals) => {
        try {
          process.kill(group, name);
        } catch {
          // the group is gone already
        }
      };
      const exited =
        child.exitCode !== null
          ? Promise.resolve()
          : new Promise((done) => child.once('exit', done));
      signal('SIGTERM');
      await Promise.race([exited, new Promise((done) => setTimeout(done, 5000))]);
      // The Java server can outlive the gcloud wrapper: make sure the whole group is gone.
      signal('SIGKILL');
    },
  };
}
