import type { PubSub } from '@google-cloud/pubsub';
import { pushPath, type PushSubscriptionSpec } from '../events/subscriptions';
import { logger } from '../logging';

/**
 * Creates on the Pub/Sub emulator what Terraform creates in the cloud: the topics and the push
 * subscriptions, pushing to the local stack. An existing subscription with the same filter
 * keeps its backlog and gets the current push endpoint; one whose filter changed (filters are
 * immutable) is recreated. (The emulator applies retry and dead-letter policies but ignores
 * filters; the consumers' routers check every type again, so that is harmless.)
 */
export async function provisionEmulator(
  projectId: string,
  baseUrl: string,
  specs: PushSubscriptionSpec[],
  extraTopics: string[],
): Promise<PubSub> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const pubsub = new PubSub({ projectId });
  const topics = new Set([
    ...specs.map((s) => s.topic),
    ...specs.map((s) => s.deadLetterTopic),
    ...extraTopics,
  ]);
  for (const name of topics) {
    const [exists] = await pubsub.topic(name).exists();
    if (!exists) await pubsub.createTopic(name);
  }
  for (const spec of specs) {
    const subscription = pubsub.subscription(spec.name);
    const pushEndpoint = `${baseUrl}${pushPath(projectId, spec)}`;
    const [exists] = await subscription.exists();
    if (exists) {
      const [metadata] = await subscription.getMetadata();
      if ((metadata.filter ?? '') === spec.filter) {
        await subscription.modifyPushConfig({ pushEndpoint });
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
      retryPolicy: {
        minimumBackoff: { seconds: spec.minimumBackoffSeconds },
        maximumBackoff: { seconds: spec.maximumBackoffSeconds },
      },
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
