import { logger } from '../logging';
import { shutdown } from './shutdown';

/**
 * Graceful shutdown of a deployed function. Cloud Run sends SIGTERM and allows 10 s before
 * SIGKILL. functions-framework's own handler answers the request in flight with a 500 and
 * exits at once; we replace it so in-flight requests finish, then the shutdown steps run
 * (the database pool closes) and the process exits 0.
 */
export const SHUTDOWN_GRACE_MS = 8000;

let inFlight = 0;
let idle: (() => void) | undefined;
let adopted = false;

/** Counts one unit of work in flight (and takes over SIGTERM on the first); call the result when it ends. */
export function beginWork(): () => void {
  if (!adopted) adoptSignals();
  inFlight++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    inFlight--;
    if (inFlight === 0) idle?.();
  };
}

/**
 * Replaces functions-framework's SIGTERM/SIGINT handlers with ours. Done on the first request,
 * because the framework installs its handlers when it starts listening, after loading our
 * module; only when the process was started by the functions-framework CLI (tests and the
 * local stack have their own lifecycle).
 */
function adoptSignals(): void {
  adopted = true;
  if (startedByFunctionsFramework()) takeOverSignals();
}

/** Makes SIGTERM and SIGINT drain, shut down and `exit(0)` (process.exit; a test passes its own). */
export function takeOverSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, () => void drainAndExit(signal, exit));
  }
}

/** True when the process was started by the functions-framework CLI (as in the cloud). */
export function startedByFunctionsFramework(): boolean {
  return /[\\/]@google-cloud[\\/]functions-framework[\\/]/.test(
    require.main?.filename ?? process.argv[1] ?? '',
  );
}

/** Waits for requests in flight (at most the grace period), runs the shutdown steps, exits. */
export async function drainAndExit(
  signal: string,
  exit: (code: number) => void = (code) => process.exit(code),
): Promise<void> {
  logger.info({ signal, inFlight }, 'draining before shutdown');
  if (inFlight > 0) {
    await new Promise<void>((done) => {
      idle = done;
      setTimeout(done, SHUTDOWN_GRACE_MS).unref();
    });
  }
  await shutdown(signal);
  exit(0);
}
