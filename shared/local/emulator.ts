import type { PubSub } from '@google-cloud/pubsub';
import { pushPath, type PushSubscriptionSpec } from '../events/subscriptions';
import { retainedSubscriptionName } from '../events/retained';
import { logger } from '../logging';

/**
 * Creates on the Pub/Sub emulator what Terraform creates in the cloud: the topics, the push
 * subscriptions, pushing to the local stack, and the dead-letter topic's retained subscription. An existing subscription with the same filter
 * keeps its backlog and gets the current push endpoint; one whose filter changed (filters are
 * immutable) is recreated. (The emulator ignores filters; the consumers' routers check every
 * type again, so that is harmless.)
 *
 * One deliberate difference from the cloud: no retry policy. The emulator (0.8.20) loses push
 * messages under one: of 120 messages refused for 3 s by a bare HTTP server, 10 to 30 were
 * never offered again (measured with backoffs of 10-600 s and 1-5 s), so a consumer failing
 * through a database blip left the read models behind for good. Without a policy it
 * redelivers a refused push about every second, and every message came back. The
 * dead-letter policy stays.
 */
export async function provisionEmulator(
  projectId: string,
  baseUrl: string,
  specs: PushSubscriptionSpec[],
  extraTopics: string[],
  /** The emulator's host:port; by default the client library's PUBSUB_EMULATOR_HOST. */
  apiEndpoint?: string,
): Promise<PubSub> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId, ...(apiEndpoint ? { apiEndpoint } : {}) });
  const topics = new Set([
    ...specs.map((s) => s.topic),
    ...specs.map((s) => s.deadLetterTopic),
    ...extraTopics,
  ]);
  for (const name of topics) {
    const [exists] = await pubsub.topic(name).exists();
    if (!exists) await pubsub.createTopic(name);
  }
  // Pub/Sub drops what a topic without subscriptions receives: the dead-letter topic keeps its
  // messages in a pull subscription, as Terraform's retained_subscription does, for the redrive.
  for (const topic of new Set(specs.map((s) => s.deadLetterTopic))) {
    const name = retainedSubscriptionName(topic);
    const [exists] = await pubsub.subscription(name).exists();
    if (!exists)
      await pubsub
        .topic(topic)
        .createSubscription(name, { ackDeadlineSeconds: 60, retainAckedMessages: true });
  }
  for (const spec of specs) {
    const subscription = pubsub.subscription(spec.name);
    const pushEndpoint = `${baseUrl}${pushPath(projectId, spec)}`;
    const [exists] = await subscription.exists();
    if (exists) {
      const [metadata] = await subscription.getMetadata();
      if ((metadata.filter ?? '') === spec.filter) {
        await subscription.modifyPushConfig({ pushEndpoint });
        // Made by an earlier version with a retry policy: clear it (a null field in the
        // update mask clears it).
        if (metadata.retryPolicy) await subscription.setMetadata({ retryPolicy: null } as never);
        logger.info(
          { subscription: spec.name },
          'emulator push subscription kept, endpoint updated',
        );
        continue;
      }
      await subscription.delete();
    }
    await pubsub.topic(spec.topic).createSubscription(spec.name, {
      pushConfig: { pushEndpoint },
      ackDeadlineSeconds: spec.ackDeadlineSeconds,
      deadLetterPolicy: {
        deadLetterTopic: pubsub.topic(spec.deadLetterTopic).name,
        maxDeliveryAttempts: spec.maxDeliveryAttempts,
      },
      ...(spec.filter ? { filter: spec.filter } : {}),
    });
    logger.info(
      { subscription: spec.name, filter: spec.filter || '(all)' },
      'emulator push subscription ready',
    );
  }
  return pubsub;
}
