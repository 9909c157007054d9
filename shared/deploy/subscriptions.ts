import type { Config } from '../config';
import { filterForPatterns } from '../events/filter';
import type { PushSubscriptionSpec } from '../events/subscriptions';
import { deployments } from './functions';

/** How long Pub/Sub waits for a push to answer before it counts as failed. */
const ACK_DEADLINE_SECONDS = 60;

/**
 * Every push subscription manifest needs, one per event function of the registry: the local
 * bus delivers by these, the local stack creates them on the emulator, and test/infra checks
 * Terraform declares the same. Topic names come from the configuration.
 */
export function pushSubscriptions(
  config: Pick<Config, 'EVENTS_TOPIC' | 'RELAY_TOPIC' | 'DEAD_LETTER_TOPIC'>,
): PushSubscriptionSpec[] {
  return deployments.flatMap((d) => {
    if (d.kind !== 'event') return [];
    const topic = config[d.push.topic];
    return [
      {
        name: `${topic}--${d.name}`,
        function: d.name,
        topic,
        filter: d.push.router ? filterForPatterns(d.push.router.patterns) : '',
        ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
        ...d.push.retry,
        deadLetterTopic: config.DEAD_LETTER_TOPIC,
      },
    ];
  });
}
