import { logger } from '../logging';

/**
 * What this instance must do before it exits, run once when the platform sends SIGTERM.
 * Steps run by phase: first `work` (background work in progress: publishes after commit),
 * then `clients` (database pools, the Pub/Sub publisher), then `servers` (the embedded
 * database those clients talked to).
 */
export type ShutdownPhase = 'work' | 'clients' | 'servers';
const PHASES: ShutdownPhase[] = ['work', 'clients', 'servers'];

interface Step {
  name: string;
  phase: ShutdownPhase;
  run: () => Promise<void>;
}

const steps: Step[] = [];
let shuttingDown: Promise<void> | undefined;

/** Registers work to do at shutdown; returns a function that unregisters it. */
export function onShutdown(
  name: string,
  run: () => Promise<void>,
  phase: ShutdownPhase = 'clients',
): () => void {
  const step = { name, phase, run };
  steps.push(step);
  return () => {
    const index = steps.indexOf(step);
    if (index >= 0) steps.splice(index, 1);
  };
}

/** The names of the steps registered now, in the order they were registered. */
export function shutdownSteps(): string[] {
  return steps.map((step) => step.name);
}

/** Runs every shutdown step once (later calls return the same promise). */
export function shutdown(reason: string): Promise<void> {
  shuttingDown ??= (async () => {
    logger.info({ reason }, 'shutting down');
    for (const phase of PHASES) {
      const due = steps.filter((step) => step.phase === phase);
      await Promise.all(
        due.map((step) =>
          step
            .run()
            .catch((error: unknown) =>
              logger.warn({ error, step: step.name }, 'shutdown step failed'),
            ),
        ),
      );
    }
  })();
  return shuttingDown;
}

/** True once shutdown has begun. */
export function isShuttingDown(): boolean {
  return shuttingDown !== undefined;
}
