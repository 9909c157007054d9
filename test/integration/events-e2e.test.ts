import { describeEachDatabase, useTestDatabase, type DatabaseLeg } from '../support/database-legs';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { personData, request } from '../support/http';
import { writeArtifact } from '../support/processes';
import { startLocalStack, statsTruth, type LocalStack } from '../support/stack';
import { until } from '../support/until';

/**
 * End to end, as a user runs it: `npm start` in a separate process, writes over HTTP, and the
 * read models following on their own (no manual step), once with the in-process bus and once
 * with the real Pub/Sub emulator, each on both databases.
 */
const emulatorSkip = emulatorUnavailable();
if (emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);

const modes: { name: string; emulator: boolean; skip?: string }[] = [
  { name: 'in-process bus', emulator: false },
  { name: 'Pub/Sub emulator', emulator: true, skip: emulatorSkip },
];

function e2eSuite(leg: DatabaseLeg, mode: (typeof modes)[number]) {
  const db = useTestDatabase(leg);
  let emulator: Emulator | undefined;
  let stack: LocalStack;
  let base: string;

  beforeAll(async () => {
    if (mode.emulator) emulator = await startEmulator();
    stack = await startLocalStack({
      DATABASE_URL: process.env.DATABASE_URL,
      PUBSUB_EMULATOR_HOST: emulator?.host,
      GOOGLE_CLOUD_PROJECT: emulator?.project,
      // Where an emulator outside this machine (Cloud Build's container) reaches the stack.
      LOCAL_PUSH_HOST: process.env.TEST_PUSH_HOST,
      RELAY_INTERVAL_MS: '500',
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'warn',
    });
    base = stack.base;
  }, 120000);

  afterAll(async () => {
    await stack?.stop();
    await emulator?.stop();
  }, 30000);

  const truth = () => statsTruth(db());

  const shown = async () =>
    (await request(`${base}/stats`)).body.byClassAndSex.map((g: any) => ({
      passengerClass: g.passengerClass,
      sex: g.sex,
      passengers: g.passengers,
      survivors: g.survivors,
    }));

  it('creates, updates and deletes people; /stats and audit_log follow exactly, by themselves', async () => {
    const created: any[] = [];
    for (const [i, p] of [
      { sex: 'female', passengerClass: 1, survived: true },
      { sex: 'male', passengerClass: 3, survived: false },
      { sex: 'male', passengerClass: 3, survived: true },
      { sex: 'female', passengerClass: 2, survived: false },
      { sex: 'other', passengerClass: 2, survived: true },
    ].entries()) {
      const res = await request(`${base}/people`, {
        method: 'POST',
        json: personData({ ...p, name: `E2E ${i}` }),
      });
      expect(res.status).toBe(201);
      created.push(res.body);
    }
    expect(
      (
        await request(`${base}/people/${created[1].uuid}`, {
          method: 'PUT',
          json: { survived: true },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await request(`${base}/people/${created[3].uuid}`, {
          method: 'PUT',
          json: { passengerClass: 1 },
        })
      ).status,
    ).toBe(200);
    expect((await request(`${base}/people/${created[4].uuid}`, { method: 'DELETE' })).status).toBe(
      204,
    );

    const expected = await truth();
    await until('/stats to match the person table', async () =>
      JSON.stringify(await shown()) === JSON.stringify(expected) ? true : undefined,
    ).catch(async (e) => {
      throw new Error(
        `${e}: shown ${JSON.stringify(await shown())} expected ${JSON.stringify(expected)}\n${stack.child
          .output()
          .split('\n')
          .filter((l) => !l.includes('httpRequest'))
          .join('\n')
          .slice(-6000)}`,
      );
    });
    await until('audit_log to hold every event', async () => {
      const rows = await db()('audit_log').select('type');
      return rows.length >= 8 ? rows : undefined;
    });
    const audit = await db()('audit_log')
      .orderBy('occurred_at')
      .select('type', 'subject', 'trace_id');
    expect(audit.map((a) => a.type)).toEqual([
      ...Array(5).fill('person.created'),
      'person.updated',
      'person.updated',
      'person.deleted',
    ]);
    expect(audit.every((a) => /^[0-9a-f]{32}$/.test(a.trace_id))).toBe(true);
    expect(await db()('dead_letter').select()).toEqual([]);
  });

  it('makes each write visible in /stats within seconds (latencies recorded for the notes)', async () => {
    // "Within seconds" as a bound only a hang breaks (the figures belong to the notes and the
    // benchmark, not to an assertion that a loaded machine would fail).
    const visibleWithinMs = 30_000;
    const latencies: number[] = [];
    for (let i = 0; i < 15; i++) {
      const before = (await request(`${base}/stats`)).body.total.passengers;
      const started = performance.now();
      const res = await request(`${base}/people`, {
        method: 'POST',
        json: personData({ name: `Latency ${i}` }),
      });
      expect(res.status).toBe(201);
      await until(
        `write ${i} to show in /stats`,
        async () => {
          const passengers = (await request(`${base}/stats`)).body.total.passengers;
          if (passengers > before + 1) throw new Error(`/stats counts ${passengers - before} new`);
          return passengers === before + 1 ? true : undefined;
        },
        visibleWithinMs,
      );
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const report = {
      mode: mode.name,
      database: leg.name,
      p50Ms: Math.round(latencies[7]!),
      p95Ms: Math.round(latencies[14]!),
      samples: latencies.map(Math.round),
    };
    writeArtifact(`e2e-latency-${mode.emulator ? 'emulator' : 'bus'}-${leg.name}.json`, report);
    expect(latencies.filter((ms) => ms >= visibleWithinMs)).toEqual([]);
  });
}

describeEachDatabase('events end to end', (leg) => {
  for (const mode of modes) {
    if (mode.skip)
      describe.skip(`with the ${mode.name} [SKIPPED: ${mode.skip}]`, () => e2eSuite(leg, mode));
    else describe(`with the ${mode.name}`, () => e2eSuite(leg, mode));
  }
});
