import { config, initConfig } from '../config';
import { logger } from '../logging';
import { startedByFunctionsFramework } from './graceful';

let ready: Promise<void> | undefined;
let readyNow = false;

/** True once the cold start has completed (lets hot paths skip awaiting a settled promise). */
export function isInstanceReady(): boolean {
  return readyNow;
}

/**
 * The cold start of this instance, once: the configuration, with every `sm://` secret resolved
 * in parallel. Function wiring starts it when the module loads; every request and delivery
 * awaits it, so none is served before the secrets are in. A failure stops the instance when
 * it runs under functions-framework (the message names the setting and the secret, never a
 * value); elsewhere it is thrown.
 */
export function instanceReady(): Promise<void> {
  ready ??= initConfig().then(
    () => {
      warnIfWritesOpen();
      readyNow = true;
    },
    (error: unknown) => {
      logger.error({ error: (error as Error).message }, 'instance cannot start');
      if (startedByFunctionsFramework()) process.exit(1);
      ready = undefined;
      throw error;
    },
  );
  return ready;
}

let warned = false;

/** Forgets the cold start (and the warning given once), so the next one starts again; see runtime/testing.ts. */
export function forgetColdStart(): void {
  ready = undefined;
  readyNow = false;
  warned = false;
}

/** Says loudly, once, that anyone may write when no API keys are configured. */
export function warnIfWritesOpen(): void {
  if (warned || config().API_KEYS) return;
  warned = true;
  logger.warn(
    { appEnv: config().APP_ENV },
    'API_KEYS is not set: WRITES ARE OPEN to anyone who can reach this instance (set API_KEYS; production refuses to start without it)',
  );
}
