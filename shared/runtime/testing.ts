import { resetConfig } from '../config';
import { closeDatabase } from '../db';
import { publishesSettled } from '../events/fast-path';
import { forgetPublisher } from '../events/publisher';
import { forgetApiKeys } from '../http/auth';
import { clearSecrets } from '../logging/redaction';
import { forgetColdStart } from './instance';

/**
 * The testing entry point (as functions-framework's `testing` module is): what tests need
 * from the instance, so that no test reaches into a module's state itself.
 *
 * A test process serves many instances one after another (each describe block its database,
 * its settings, its publisher), but the instance's state lives in module singletons. This
 * file is the one place that knows all of them, so it imports from the layers above runtime/
 * (db, events, http) that hold some; no function bundle imports it.
 */

/**
 * Makes this process a fresh instance, as if it had just started: the work still in flight
 * finishes first (publishes that outlived their write's bounded wait), the
 * clients close (the pool and the publisher made here, each with its shutdown step), then
 * everything read or derived is forgotten: the configuration and its resolved secrets, the
 * cold start, the parsed API keys, and the secret values masked in logs. The next use reads
 * the environment again.
 */
export async function resetInstance(): Promise<void> {
  await publishesSettled();
  await closeDatabase();
  await forgetPublisher();
  resetConfig();
  forgetColdStart();
  forgetApiKeys();
  clearSecrets();
}
