import type { CloudEvent } from '@google-cloud/functions-framework';
import { enterDelivery, startInstance, type WarmUp } from '../runtime/entry';
import { answerAsProblem } from './framework-errors';

/**
 * Builds the handler of one event function (a consumer, the relay) from what it does with
 * each delivery: the instance's entry around it (runtime/entry.ts: the cold start begun at
 * load, with the function's warm-up if it has one, and awaited per delivery, the delivery
 * counted in flight). An event function is still
 * an HTTP endpoint that Pub/Sub pushes to, so what functions-framework refuses before the
 * handler runs (a GET, a body that is not JSON) is answered in the one error format.
 */
export function eventFunction<T>(
  handler: (cloudEvent: CloudEvent<T>) => Promise<void>,
  options: { warmUp?: WarmUp } = {},
): (cloudEvent: CloudEvent<T>) => Promise<void> {
  startInstance(answerAsProblem, options.warmUp);
  return enterDelivery(handler);
}
