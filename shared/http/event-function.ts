import type { CloudEvent } from '@google-cloud/functions-framework';
import { enterDelivery, startInstance } from '../runtime/entry';
import { answerAsProblem } from './framework-errors';

/**
 * Builds the handler of one event function (a consumer, the relay) from what it does with
 * each delivery: the instance's entry around it (runtime/entry.ts: the cold start begun at
 * load and awaited per delivery, the delivery counted in flight). An event function is still
 * an HTTP endpoint that Pub/Sub pushes to, so what functions-framework refuses before the
 * handler runs (a GET, a body that is not JSON) is answered in the one error format.
 */
export function eventFunction<T>(
  handler: (cloudEvent: CloudEvent<T>) => Promise<void>,
): (cloudEvent: CloudEvent<T>) => Promise<void> {
  startInstance(answerAsProblem);
  return enterDelivery(handler);
}
