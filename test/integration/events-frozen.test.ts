import { databaseLegs, useTestDatabase } from '../support/database-legs';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { writesFrozenAfterEachAnswer, type FrozenWrites } from '../support/frozen-writes';
import { bundleFunction } from '../support/launcher';
import { writeArtifact } from '../support/processes';

/**
 * Issue 13 (a): with the people function frozen right after each answer (Cloud Run gives no
 * CPU outside a request), every write's event must already be on the topic when its answer
 * arrives: a write publishes its event and marks its row sent before it answers
 * (shared/events/fast-path.ts). No relay runs here, so an event on the topic left with its
 * write. Published after the answer, as before, 2 to 6 of the 20 arrived in time. The count
 * measured goes to test-artifacts/events-frozen.json.
 */
const emulatorSkip = emulatorUnavailable();
if (emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);
const postgres = databaseLegs.find((leg) => leg.name === 'PostgreSQL')!;
const skip = emulatorSkip ?? postgres.skip;
const title = '20 writes to the people bundle, frozen right after each answer [PostgreSQL]';
const describeIt = skip ? describe.skip : describe;
const WRITES = 20;

describeIt(skip ? `${title} [SKIPPED: ${skip}]` : title, () => {
  const db = useTestDatabase(postgres);
  let emulator: Emulator | undefined;
  let result: FrozenWrites;

  beforeAll(async () => {
    emulator = await startEmulator();
    const bundle = await bundleFunction('people');
    try {
      result = await writesFrozenAfterEachAnswer({
        emulator,
        source: bundle.source,
        databaseUrl: process.env.DATABASE_URL!,
        count: WRITES,
      });
      writeArtifact('events-frozen.json', result);
    } finally {
      bundle.remove();
    }
  }, 180000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it('answers every write 201, each thawing the function and freezing it once after', async () => {
    expect(result.writes.map((w) => w.status)).toEqual(Array(WRITES).fill(201));
    expect(result.counts).toEqual({ requests: WRITES, freezes: WRITES, thaws: WRITES });
    expect(Number((await db()('outbox').count({ n: '*' }).first())?.n)).toBe(WRITES);
  });

  it('has every event on the topic when its answer arrives, and every row marked sent', async () => {
    expect(result.writes.filter((w) => !w.onTopic).map((w) => w.uuid)).toEqual([]);
    expect(result.onTopicWhenAnswered).toBe(WRITES);
    // Marked before the answer too: the relay, which is not running here, has nothing to do.
    expect(Number((await db()('outbox').whereNull('sent_at').count({ n: '*' }).first())?.n)).toBe(
      0,
    );
  });
});
