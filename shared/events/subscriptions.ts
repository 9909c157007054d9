/**
 * A push subscription, as Pub/Sub defines one: which messages of a topic it delivers, to which
 * function's push path, with what retry and dead-letter policy. The list manifest deploys is
 * shared/deploy/subscriptions.ts; the local bus and the emulator provisioning take any list.
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

/** The push path functions-framework expects: it names the topic the message came from. */
export function pushPath(projectId: string, spec: PushSubscriptionSpec): string {
  return `/${spec.function}/projects/${projectId}/topics/${spec.topic}`;
}
