import type { Config } from '../config';
import { auditLogRouter } from '../audit/consumer';
import { projectStatsRouter } from '../stats/consumer';
import { filterForPatterns } from './filter';
import type { EventRouter } from './router';

/**
 * Every push subscription manifest needs, declared once in code: the local bus delivers by
 * these, the local stack creates them on the emulator, and a test checks Terraform declares
 * the same. Retry and dead-letter settings are Pub/Sub's own semantics.
 */
export interface PushSubscriptionSpec {
  /** Subscription id: `<topic>--<function>`. */
  name: string;
  /** The function it pushes to (its folder in functions/). */
  function: string;
  topic: string;
  /** Pub/Sub filter; '' delivers everything. */
  filter: string;
  ackDeadlineSeconds: number;
  minimumBackoffSeconds: number;
  maximumBackoffSeconds: number;
  /** After this many failed deliveries the message goes to the dead-letter topic. */
  maxDeliveryAttempts: number;
  deadLetterTopic: string;
}

const consumers: EventRouter[] = [projectStatsRouter, auditLogRouter];

/** The subscriptions for a configuration (topic names come from it). */
export function pushSubscriptions(
  config: Pick<Config, 'EVENTS_TOPIC' | 'RELAY_TOPIC' | 'DEAD_LETTER_TOPIC'>,
): PushSubscriptionSpec[] {
  const common = { ackDeadlineSeconds: 60, deadLetterTopic: config.DEAD_LETTER_TOPIC };
  return [
    ...consumers.map((router) => ({
      ...common,
      name: `${config.EVENTS_TOPIC}--${router.consumer}`,
      function: router.consumer,
      topic: config.EVENTS_TOPIC,
      filter: filterForPatterns(router.patterns),
      minimumBackoffSeconds: 10,
      maximumBackoffSeconds: 600,
      maxDeliveryAttempts: 10,
    })),
    {
      // A tick that fails is soon replaced by the next one: retry briefly, then give up.
      ...common,
      name: `${config.RELAY_TOPIC}--relay-outbox`,
      function: 'relay-outbox',
      topic: config.RELAY_TOPIC,
      filter: '',
      minimumBackoffSeconds: 10,
      maximumBackoffSeconds: 60,
      maxDeliveryAttempts: 5,
    },
  ];
}

/** The push path functions-framework expects: it names the topic the message came from. */
export function pushPath(projectId: string, spec: PushSubscriptionSpec): string {
  return `/${spec.function}/projects/${projectId}/topics/${spec.topic}`;
}
