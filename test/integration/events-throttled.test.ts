import { databaseLegs, useTestDatabase } from '../support/database-legs';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { bundleFunction } from '../support/launcher';
import { writeArtifact } from '../support/processes';
import {
  PIPELINE,
  writesThroughThrottledPipeline,
  type PipelineFunction,
  type PipelineRun,
} from '../support/throttled-pipeline';

/**
 * Issue 13 (b): people, project-stats and stats, each its own bundle in its own process
 * behind the throttled harness (CPU only while a request is in flight, as Cloud Run gives),
 * with the emulator pushing events to project-stats. /stats must count each write once
 * project-stats has had its push, with no further request to people: the event leaves with
 * the write's answer, and project-stats applies it before answering the push. Each step waits
 * for the one before (the push is awaited through the harness's request count); no sleeps.
 * The run goes to test-artifacts/events-throttled.json.
 */
const emulatorSkip = emulatorUnavailable();
if (emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);
const postgres = databaseLegs.find((leg) => leg.name === 'PostgreSQL')!;
const skip = emulatorSkip ?? postgres.skip;
const title =
  'people, project-stats and stats as throttled processes, with emulator push [PostgreSQL]';
const describeIt = skip ? describe.skip : describe;
const WRITES = 10;

describeIt(skip ? `${title} [SKIPPED: ${skip}]` : title, () => {
  const db = useTestDatabase(postgres);
  let emulator: Emulator | undefined;
  let run: PipelineRun;

  beforeAll(async () => {
    const [started, ...bundles] = await Promise.all([
      startEmulator(),
      ...PIPELINE.map((name) => bundleFunction(name)),
    ]);
    emulator = started;
    try {
      run = await writesThroughThrottledPipeline({
        emulator,
        sources: Object.fromEntries(
          PIPELINE.map((name, i) => [name, bundles[i]!.source]),
        ) as Record<PipelineFunction, string>,
        databaseUrl: process.env.DATABASE_URL!,
        count: WRITES,
      });
      writeArtifact('events-throttled.json', run);
    } finally {
      for (const bundle of bundles) bundle.remove();
    }
  }, 240000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('shows each write in /stats once project-stats has had its push, one more passenger each time', () => {
    expect(run.writes.map((w) => w.status)).toEqual(Array(WRITES).fill(201));
    expect(run.writes.map((w) => w.passengers)).toEqual(
      Array.from({ length: WRITES }, (_, i) => run.passengersBefore + i + 1),
    );
  });

  it('needs no request to people but the writes: one push per write, one /stats read per step', () => {
    expect(run.requests).toEqual({
      people: WRITES,
      'project-stats': WRITES,
      stats: WRITES + 1,
    });
  });

  it('applied each event exactly once in the read model and recorded it', async () => {
    const uuids = run.writes.map((w) => w.uuid);
    const processed = await db()('processed_event')
      .where({ consumer: 'project-stats' })
      .count({ n: '*' })
      .first();
    expect(Number(processed?.n)).toBe(WRITES);
    expect(
      (await db()('outbox').whereIn('subject', uuids).whereNull('sent_at')).map((r) => r.subject),
    ).toEqual([]);
  });
});
