import type { Config } from '../config';
import { publisher, usePublisher } from '../events/publisher';
import { pushSubscriptions } from '../deploy/subscriptions';
import { logger } from '../logging';
import { onShutdown } from '../runtime/shutdown';
import { LocalBus } from './bus';
import { provisionEmulator } from './emulator';

/**
 * Wires the local stack's events, as in the cloud: with PUBSUB_EMULATOR_HOST, topics and push
 * subscriptions on the emulator; without, the in-process bus with the same subscriptions.
 * Either way a timer stands in for Cloud Scheduler, ticking `relay-outbox` through its topic.
 * @returns the local bus when one is used (tests wait on it)
 */
export async function startLocalEvents(
  settings: Config,
  baseUrl: string,
): Promise<LocalBus | undefined> {
  const specs = pushSubscriptions(settings);
  let bus: LocalBus | undefined;
  if (settings.PUBSUB_EMULATOR_HOST) {
    await provisionEmulator(settings.GOOGLE_CLOUD_PROJECT, baseUrl, specs, [settings.EVENTS_TOPIC]);
    // Writes publish before they answer: the stack's first writes would load the client.
    await publisher().ready?.();
    logger.info(
      { emulator: settings.PUBSUB_EMULATOR_HOST },
      'events go through the Pub/Sub emulator',
    );
  } else {
    bus = new LocalBus({
      projectId: settings.GOOGLE_CLOUD_PROJECT,
      baseUrl: () => baseUrl,
      subscriptions: specs,
    });
    const restore = usePublisher(bus);
    onShutdown('local bus', async () => {
      await bus?.close();
      restore();
    });
    logger.info(
      'events go through the in-process bus (set PUBSUB_EMULATOR_HOST to use the emulator)',
    );
  }
  const tick = setInterval(() => {
    const data = Buffer.from(JSON.stringify({ tick: new Date().toISOString() }));
    publisher()
      .publish(settings.RELAY_TOPIC, { data, attributes: {} })
      .catch((error: unknown) => logger.warn({ error }, 'relay tick could not be published'));
  }, settings.RELAY_INTERVAL_MS);
  tick.unref();
  onShutdown('relay timer', async () => clearInterval(tick));
  return bus;
}
