import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config';
import { pushSubscriptions } from '../deploy/subscriptions';
import { asyncApiDocument } from '../events/asyncapi';

/**
 * manifest's AsyncAPI document for a configuration: its events topic, and the push
 * subscriptions the registry declares on it (`npm run docs:asyncapi` writes it for the
 * defaults; the local stack serves it for its own settings).
 */
export function manifestAsyncApi(
  settings: Pick<Config, 'EVENTS_TOPIC' | 'RELAY_TOPIC' | 'DEAD_LETTER_TOPIC'>,
): Record<string, unknown> {
  const { version } = JSON.parse(
    readFileSync(resolve(__dirname, '../../package.json'), 'utf8'),
  ) as { version: string };
  return asyncApiDocument({
    topic: settings.EVENTS_TOPIC,
    version,
    subscribers: pushSubscriptions(settings)
      .filter((s) => s.topic === settings.EVENTS_TOPIC)
      .map((s) => ({
        function: s.function,
        subscription: s.name,
        filter: s.filter,
        maxDeliveryAttempts: s.maxDeliveryAttempts,
        deadLetterTopic: s.deadLetterTopic,
      })),
  });
}
