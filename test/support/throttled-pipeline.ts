import { pushSubscriptions } from '../../shared/deploy/subscriptions';
import { provisionEmulator } from '../../shared/local/emulator';
import type { Emulator } from './emulator';
import { personData, request } from './http';
import { startThrottled, type ThrottledFunction } from './throttled';

/** The functions of the pipeline, each a process of its own. */
export const PIPELINE = ['people', 'project-stats', 'stats'] as const;
export type PipelineFunction = (typeof PIPELINE)[number];

/** One write through the pipeline, and what `/stats` said once project-stats had its push. */
export interface PipelineWrite {
  status: number;
  uuid: string;
  /** `/stats` total of passengers, read right after project-stats answered this write's push. */
  passengers: number;
  /** Milliseconds from sending the write until `/stats` answered with it counted. */
  visibleMs: number;
}

/** What the scenario saw. */
export interface PipelineRun {
  /** `/stats` total of passengers before the first write. */
  passengersBefore: number;
  writes: PipelineWrite[];
  /** Requests each function received over the writes (pushes, for project-stats). */
  requests: Record<PipelineFunction, number>;
}

/**
 * Issue 13 (b) as a scenario, with the real emulator: people, project-stats and stats, each
 * its own bundle behind the throttled harness (no CPU outside a request, and with `cpu` the
 * share Terraform gives it), and the emulator pushing the events topic to project-stats as
 * Terraform's push subscription does. Nothing else runs (no relay). Writes go one at a time:
 * the write, then, once project-stats has answered one more push, one GET /stats. People gets
 * no request but the writes, so an event reaches /stats only if it left with its write.
 *
 * Waiting for the push is bounded by `pushWithinMs` (the scenario fails, naming the write);
 * a write whose event never left would otherwise wait for ever.
 */
export async function writesThroughThrottledPipeline(options: {
  /** The emulator (its host and a project of the scenario's own). */
  emulator: Pick<Emulator, 'host' | 'project'>;
  /** Bundle directories (bundleFunction) by function. */
  sources: Record<PipelineFunction, string>;
  databaseUrl: string;
  count: number;
  cpu?: Partial<Record<PipelineFunction, number>>;
  pushWithinMs?: number;
}): Promise<PipelineRun> {
  const { emulator, count, pushWithinMs = 30_000 } = options;
  const env = {
    DATABASE_URL: options.databaseUrl,
    PUBSUB_EMULATOR_HOST: emulator.host,
    GOOGLE_CLOUD_PROJECT: emulator.project,
    LOG_LEVEL: 'warn',
  };
  // Ready when each serves its cheapest real request; project-stats on its port only (any
  // push would change the read model).
  const probes: Record<PipelineFunction, { path: string } | undefined> = {
    people: { path: '/people?limit=1' },
    'project-stats': undefined,
    stats: { path: '/stats' },
  };
  const starts = await Promise.allSettled(
    PIPELINE.map((name) =>
      startThrottled({
        name,
        source: options.sources[name],
        env,
        ...(probes[name] ? { ready: probes[name] } : {}),
        ...(options.cpu?.[name] !== undefined ? { cpu: options.cpu[name] } : {}),
      }),
    ),
  );
  const running = starts.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const stopAll = () => Promise.all(running.map((fn) => fn.stop()));
  const failed = starts.find((s) => s.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  const [people, projectStats, stats] = running as [
    ThrottledFunction,
    ThrottledFunction,
    ThrottledFunction,
  ];

  // What Terraform makes: the topics, and project-stats' push subscription to its URL.
  const spec = pushSubscriptions({
    EVENTS_TOPIC: 'manifest-events',
    RELAY_TOPIC: 'manifest-relay-tick',
    DEAD_LETTER_TOPIC: 'manifest-events-dead-letter',
  }).filter((s) => s.function === 'project-stats');
  const pubsub = await provisionEmulator(
    emulator.project,
    projectStats.url,
    spec,
    [],
    emulator.host,
  );

  const passengers = async () => {
    const res = await request(`${stats.url}/stats`);
    if (res.status !== 200)
      throw new Error(`GET /stats answered ${res.status}: ${res.text.slice(0, 500)}`);
    return res.body.total.passengers as number;
  };
  try {
    const before = {
      people: people.counts,
      projectStats: projectStats.counts,
      stats: stats.counts,
    };
    const passengersBefore = await passengers();
    const writes: PipelineWrite[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      const res = await request(`${people.url}/people`, {
        method: 'POST',
        json: personData({ name: `Mx. Pipeline ${i}`, passengerClass: 1 + (i % 3) }),
      });
      await withinMs(
        projectStats.served(before.projectStats.requests + i + 1),
        pushWithinMs,
        `project-stats to answer the push of write ${i + 1} of ${count} (${res.body?.uuid})`,
      );
      const counted = await passengers();
      writes.push({
        status: res.status,
        uuid: res.body?.uuid,
        passengers: counted,
        visibleMs: performance.now() - started,
      });
    }
    await Promise.all(running.map((fn) => fn.idle()));
    return {
      passengersBefore,
      writes,
      requests: {
        people: people.counts.requests - before.people.requests,
        'project-stats': projectStats.counts.requests - before.projectStats.requests,
        stats: stats.counts.requests - before.stats.requests,
      },
    };
  } finally {
    await stopAll();
    await Promise.all(spec.map((s) => pubsub.subscription(s.name).delete()));
    await pubsub.close();
  }
}

/** `work`, or a failure naming `what` once `ms` have passed. */
async function withinMs<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
