import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Knex } from 'knex';
import { createKnex } from '../../shared/db';
import { provisionEmulator } from '../../shared/local/emulator';
import { pushSubscriptions } from '../../shared/deploy/subscriptions';
import { emulatorUnavailable, startEmulator, type Emulator } from '../support/emulator';
import { personData, request } from '../support/http';
import {
  ownPostgresUnavailable,
  startOwnPostgres,
  type OwnPostgres,
} from '../support/own-postgres';
import { writeArtifact } from '../support/processes';
import { startLocalStack, statsTruth, type LocalStack } from '../support/stack';
import { until } from '../support/until';

/**
 * Fault injection on the whole local stack (`scripts/start.ts`, every function behind one
 * gateway): its PostgreSQL server stops in the middle of steady write traffic, then its Pub/Sub
 * emulator stops with writes going on while it is down; each comes back. Both are this file's
 * own (a PostgreSQL initdb'd into a temporary directory, an emulator on a private port):
 * stopping them touches nothing else on the machine.
 */

// Services outside this machine (an emulator at TEST_PUBSUB_EMULATOR_HOST) cannot be stopped by
// a test. Cloud Build's test step installs PostgreSQL and gcloud in its own container
// (scripts/pipeline/test-services.sh), so these suites run there too.
const externalServices = process.env.TEST_PUBSUB_EMULATOR_HOST
  ? 'the services are external (TEST_PUBSUB_EMULATOR_HOST): a test cannot stop them'
  : undefined;
const postgresSkip = ownPostgresUnavailable();
const emulatorSkip = emulatorUnavailable();
if (!externalServices && postgresSkip && process.env.REQUIRE_POSTGRES === '1')
  throw new Error(`REQUIRE_POSTGRES=1 but ${postgresSkip}`);
if (!externalServices && emulatorSkip && process.env.REQUIRE_EMULATOR === '1')
  throw new Error(`REQUIRE_EMULATOR=1 but ${emulatorSkip}`);
const skip =
  externalServices ?? ([postgresSkip, emulatorSkip].filter(Boolean).join('; ') || undefined);

/** The stack waits at most this long for a database connection before answering 503. */
const DB_CONNECT_TIMEOUT_MS = 2000;
/**
 * A request that has no answer after this long hung. A write waits for a pooled connection (at
 * most DB_CONNECT_TIMEOUT_MS, knex's acquire timeout), whose opening is itself bounded by the
 * same timeout (pg's connectionTimeoutMillis), then runs one INSERT, which a stopped server
 * refuses at once: about 4 s at worst. Only a hang breaks this bound, never a loaded machine;
 * the slowest answer is a figure in test-artifacts/faults.json.
 */
const REQUEST_BOUND_MS = 30_000;
/** The client library gives up a publish after this long (the stack's setting). */
const PUBLISH_TIMEOUT_MS = 2000;
/**
 * 2xx again after PostgreSQL is back, with no restart: a bound only a pool that never recovers
 * breaks (the time it took is a figure in test-artifacts/faults.json, not an assert).
 */
const RECOVERY_BOUND_MS = 60_000;
/** Answers of each kind the traffic must have had before the next step of a fault. */
const STEADY = 10;
/** Convergence of the read models after a fault: a generous bound (consumers retry after 10 s+). */
const CONVERGENCE_BOUND_MS = 180_000;

const TOPICS = {
  EVENTS_TOPIC: 'manifest-events',
  RELAY_TOPIC: 'manifest-relay-tick',
  DEAD_LETTER_TOPIC: 'manifest-events-dead-letter',
};
const API_KEY = randomBytes(24).toString('hex');

interface Outcome {
  name: string;
  sentAt: number;
  doneAt: number;
  status?: number;
  uuid?: string;
  retryAfter?: string | null;
  contentType?: string | null;
  problemStatus?: unknown;
  /** The request failed without an HTTP answer (aborted by the bound, connection refused...). */
  error?: string;
}

/** Steady POST /people traffic from a few sequential writers, each answer recorded. */
class Traffic {
  readonly outcomes: Outcome[] = [];
  private running = true;
  private readonly workers: Promise<void>[];
  private count = 0;

  constructor(
    private readonly base: string,
    private readonly tag: string,
    concurrency = 3,
    private readonly pauseMs = 40,
  ) {
    this.workers = Array.from({ length: concurrency }, () => this.work());
  }

  private async work(): Promise<void> {
    while (this.running) {
      const n = this.count++;
      // Spread over classes, sexes and survival, so the per-group stats are really checked.
      const name = `${this.tag} ${n}`;
      const body = personData({
        name,
        passengerClass: (n % 3) + 1,
        sex: ['male', 'female', 'other'][n % 3 === 0 ? n % 2 : (n + 1) % 3],
        survived: n % 4 === 0,
      });
      const sentAt = Date.now();
      const outcome: Outcome = { name, sentAt, doneAt: 0 };
      try {
        const res = await request(`${this.base}/people`, {
          method: 'POST',
          json: body,
          headers: { authorization: `Bearer ${API_KEY}` },
          signal: AbortSignal.timeout(REQUEST_BOUND_MS),
        });
        outcome.status = res.status;
        outcome.uuid = res.status === 201 ? res.body.uuid : undefined;
        outcome.retryAfter = res.headers.get('retry-after');
        outcome.contentType = res.headers.get('content-type');
        outcome.problemStatus = res.body?.status;
      } catch (error) {
        outcome.error = String((error as Error)?.name ?? error) + ': ' + (error as Error)?.message;
      }
      outcome.doneAt = Date.now();
      this.outcomes.push(outcome);
      await sleep(this.pauseMs);
    }
  }

  /** Stops sending and waits for the requests in flight. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  acknowledged(): Outcome[] {
    return this.outcomes.filter((o) => o.status !== undefined && o.status >= 200 && o.status < 300);
  }
}

const figures: Record<string, unknown> = {};

function faultSuite() {
  let pg: OwnPostgres | undefined;
  let emulator: Emulator | undefined;
  let stack: LocalStack;
  let base: string;
  let checker: Knex | undefined;

  /** The test's own view of the database, opened when first needed (after any fault). */
  const db = () =>
    (checker ??= createKnex(
      { connectionString: pg!.url },
      {
        DB_POOL_MAX: 2,
        DB_POOL_IDLE_MS: 1000,
        DB_CONNECT_TIMEOUT_MS: 5000,
        DB_STATEMENT_TIMEOUT_MS: 30000,
      },
    ));

  beforeAll(async () => {
    // Each kept as soon as it is up, so afterAll stops it even when the other failed to start.
    const [ownPg, ownEmulator] = await Promise.all([
      startOwnPostgres().then((started) => (pg = started)),
      startEmulator().then((started) => (emulator = started)),
    ]);
    await ownPg.migrate();
    stack = await startLocalStack({
      DATABASE_URL: ownPg.url,
      PUBSUB_EMULATOR_HOST: ownEmulator.host,
      GOOGLE_CLOUD_PROJECT: ownEmulator.project,
      // Our emulator runs on this machine, whatever TEST_PUSH_HOST says.
      LOCAL_PUSH_HOST: '127.0.0.1',
      ...TOPICS,
      API_KEYS: `faults=${API_KEY}`,
      DB_CONNECT_TIMEOUT_MS: String(DB_CONNECT_TIMEOUT_MS),
      PUBLISH_TIMEOUT_MS: String(PUBLISH_TIMEOUT_MS),
      RELAY_INTERVAL_MS: '500',
      LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? 'warn',
    });
    base = stack.base;
    // One write before any fault: a write publishes its event before it answers, and the
    // emulator's first publishes are slow while its JVM warms up (seconds on a loaded
    // machine), which would leave no write answered in the steady traffic before a fault.
    const warm = await request(`${base}/people`, {
      method: 'POST',
      json: personData({ name: 'Fault warm-up' }),
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    if (warm.status !== 201) throw new Error(`the warm-up write answered ${warm.status}`);
  }, 180000);

  afterAll(async () => {
    await stack?.stop();
    await checker?.destroy();
    await Promise.allSettled([emulator?.stop(), pg?.destroy()]);
    writeArtifact('faults.json', figures);
    // The stack's whole log, for reading a failure after the fact (a failure message shows its tail).
    if (stack) writeArtifact('faults-stack.log', stack.child.output());
  }, 60000);

  /** What the person table says, per class and sex: the truth the read model must show. */
  const truth = () => statsTruth(db());

  const shown = async () =>
    (await request(`${base}/stats`)).body.byClassAndSex
      .filter((g: any) => g.passengers > 0)
      .map((g: any) => ({
        passengerClass: g.passengerClass,
        sex: g.sex,
        passengers: g.passengers,
        survivors: g.survivors,
      }));

  /**
   * Waits until every outbox row is sent, /stats shows the person table and audit_log holds a
   * `person.created` for each of these people; then checks each of those exactly.
   * @returns when it had converged (before the exactness checks)
   */
  async function expectConverged(uuids: string[]): Promise<number> {
    const state = async () => {
      const [pending] = await db()('outbox').whereNull('sent_at').count('* as n');
      const [audited] = await db()('audit_log')
        .where({ type: 'person.created' })
        .whereIn('subject', uuids)
        .count('* as n');
      const expected = await truth();
      const stats = await shown();
      return { pending: Number(pending!.n), audited: Number(audited!.n), expected, stats };
    };
    await until(
      'the outbox to drain and the read models to converge',
      async () => {
        const s = await state();
        return s.pending === 0 &&
          s.audited === uuids.length &&
          JSON.stringify(s.stats) === JSON.stringify(s.expected)
          ? true
          : undefined;
      },
      CONVERGENCE_BOUND_MS,
      250,
    ).catch(async (error) => {
      throw new Error(`${error}: ${JSON.stringify(await state())}\n${stackTail()}`);
    });
    const convergedAt = Date.now();
    // Exactly once: a redelivered or twice-published event must have changed nothing. Let any
    // stray redelivery arrive first. This wait cannot be sequenced on an event: what it waits
    // for is the absence of one (no further delivery), and neither Pub/Sub nor its emulator
    // says "nothing outstanding" for a push subscription; a marker event published now would
    // not help either, as Pub/Sub does not order a redelivery before a later message. No assert
    // depends on its length: on a slower machine it only gives a duplicate less time to show.
    await sleep(2000);
    expect(await shown()).toEqual(await truth());
    const perSubject = await db()('audit_log')
      .where({ type: 'person.created' })
      .whereIn('subject', uuids)
      .groupBy('subject')
      .select('subject')
      .count('* as n');
    expect(perSubject).toHaveLength(uuids.length);
    expect(perSubject.filter((r: any) => Number(r.n) !== 1)).toEqual([]);
    expect(await db()('outbox').whereNull('sent_at').count('* as n')).toEqual([{ n: '0' }]);
    expect(await db()('dead_letter').select('consumer', 'reason')).toEqual([]);
    return convergedAt;
  }

  /** Every person in the table: each must have its `person.created` in audit_log. */
  const everyone = async () => (await db()('person').select('id')).map((r: { id: string }) => r.id);

  const stackTail = () =>
    stack.child
      .output()
      .split('\n')
      .filter((l) => !l.includes('httpRequest'))
      .join('\n')
      .slice(-4000);

  it('PostgreSQL stops during steady writes and comes back: 503 with Retry-After meanwhile, no hang, no crash, 2xx again within 5 s, every acknowledged write kept and counted once', async () => {
    const traffic = new Traffic(base, 'Fault pg');
    await until('steady writes', async () => traffic.acknowledged().length >= STEADY);
    const stopBegan = Date.now();
    await pg!.stop('fast');
    const stopDone = Date.now();
    await until(
      'writes refused while the server is down',
      async () => traffic.outcomes.filter((o) => o.sentAt >= stopDone).length >= STEADY,
      REQUEST_BOUND_MS * 2,
    );
    const startBegan = Date.now();
    await pg!.start();
    const startDone = Date.now();
    // The first write sent after the server is back that is acknowledged: the pool recovered.
    const firstBack = await until(
      'a 2xx after PostgreSQL came back',
      async () =>
        traffic
          .acknowledged()
          .filter((o) => o.sentAt >= startDone)
          .sort((a, b) => a.doneAt - b.doneAt)[0],
      RECOVERY_BOUND_MS + REQUEST_BOUND_MS,
    ).catch(() => undefined);
    if (firstBack)
      await until(
        'steady writes again',
        async () => traffic.outcomes.filter((o) => o.sentAt > firstBack.doneAt).length >= STEADY,
      );
    await traffic.stop();

    const all = traffic.outcomes;
    const before = all.filter((o) => o.doneAt < stopBegan);
    const down = all.filter((o) => o.sentAt >= stopDone && o.doneAt <= startBegan);
    const refused = all.filter((o) => o.status === 503);
    const acknowledged = traffic.acknowledged();
    figures.postgres = {
      requests: all.length,
      acknowledged: acknowledged.length,
      refused503: refused.length,
      whileFullyDown: down.length,
      stopMs: stopDone - stopBegan,
      downMs: startDone - stopDone,
      startMs: startDone - startBegan,
      recoveryAfterStartMs: firstBack ? firstBack.doneAt - startDone : null,
      slowestAnswerMs: Math.max(...all.map((o) => o.doneAt - o.sentAt)),
      requestBoundMs: REQUEST_BOUND_MS,
    };

    // No request hung past the bound or lost its connection; nothing but 201 or 503.
    expect(all.filter((o) => o.error)).toEqual([]);
    expect(all.filter((o) => o.status !== 201 && o.status !== 503)).toEqual([]);
    // The traffic really was steady around the fault.
    expect(before.length).toBeGreaterThan(0);
    expect(down.length).toBeGreaterThan(0);
    // While the server was down, every write was refused, the way a client can act on.
    expect(down.filter((o) => o.status !== 503)).toEqual([]);
    for (const o of refused) {
      expect(o.retryAfter).toBe('5');
      expect(o.contentType).toMatch(/^application\/problem\+json/);
      expect(o.problemStatus).toBe(503);
    }
    // Back without a restart: 2xx within the bound, from a process that never exited.
    expect(firstBack).toBeDefined();
    expect(stack.child.process.exitCode).toBeNull();
    // The pool recovered fully: nothing sent after the first 2xx was refused.
    expect(all.filter((o) => o.sentAt > firstBack!.doneAt && o.status !== 201)).toEqual([]);
    expect((await request(`${base}/health`)).status).toBe(200);

    // Every acknowledged write is there. The INSERT (person and outbox row) is one autocommit
    // statement, and a fast shutdown acts on SIGTERM only where a backend checks for interrupts:
    // a statement it interrupts is rolled back, and a committed one has its answer flushed before
    // the backend reads the next command and exits. So a 503 never hides a committed write here
    // (an immediate shutdown, SIGQUIT, could leave that ambiguity).
    const rows = await db()('person').where('name', 'like', 'Fault pg %').select('id', 'name');
    const stored = new Map(rows.map((r: { id: string; name: string }) => [r.id, r.name]));
    expect(acknowledged.filter((o) => stored.get(o.uuid!) !== o.name)).toEqual([]);
    const refusedNames = new Set(refused.map((o) => o.name));
    expect(rows.filter((r: { name: string }) => refusedNames.has(r.name))).toEqual([]);
    expect(rows).toHaveLength(acknowledged.length);

    (figures.postgres as Record<string, unknown>).convergedAfterStartMs =
      (await expectConverged(acknowledged.map((o) => o.uuid!))) - startDone;
  }, 300000);

  it('the Pub/Sub emulator stops and comes back: writes keep succeeding, the outbox holds the events, the read models converge exactly', async () => {
    // The emulator keeps accepted messages in memory, where real Pub/Sub keeps them durably: a
    // message it accepted and had not yet pushed when stopped is gone, with its outbox row marked
    // sent. That is not an outage Pub/Sub has, so the emulator is stopped only once everything
    // it accepted has been delivered (writes pause, the read models converge), and the writes
    // under test run while it is down.
    await expectConverged(await everyone());
    const stopBegan = Date.now();
    await emulator!.stop();
    const stopDone = Date.now();
    const traffic = new Traffic(base, 'Fault pubsub');
    await until('writes while the emulator is down', async () =>
      traffic.outcomes.length >= STEADY ? true : undefined,
    );
    // Writers pause while the emulator is away for good and comes back empty: in the cloud its
    // topics and subscriptions outlive an outage; here they are recreated, and an event
    // published in between (topic there, subscriptions not yet) would be accepted and dropped.
    // The relay runs only on ticks, which reach it once its subscription (made last) exists.
    await traffic.stop();
    const paused = Date.now();
    const duringOutage = traffic.acknowledged();
    const [pendingBefore] = await db()('outbox').whereNull('sent_at').count('* as n');
    const sentDuringOutage = await db()('outbox')
      .whereIn(
        'subject',
        duringOutage.map((o) => o.uuid!),
      )
      .whereNotNull('sent_at')
      .select('subject');
    // The client library gives up a publish after PUBLISH_TIMEOUT_MS, and the fast path then
    // records the failure on the row: once every pending row has one, no publish is left in
    // flight toward the emulator to come.
    await until(
      'every publish in flight to have failed',
      async () =>
        Number(
          (
            await db()('outbox')
              .whereNull('sent_at')
              .whereNull('last_error')
              .count<{ n: string }[]>('* as n')
          )[0]!.n,
        ) === 0,
    );

    const restartBegan = Date.now();
    await emulator!.restart();
    const client = await provisionEmulator(
      emulator!.project,
      base,
      pushSubscriptions(TOPICS),
      [TOPICS.EVENTS_TOPIC],
      emulator!.host,
    );
    await client.close();
    const back = Date.now();
    const after = new Traffic(base, 'Fault pubsub back');
    await until('writes after the emulator is back', async () => after.outcomes.length >= STEADY);
    await after.stop();

    const all = [...traffic.outcomes, ...after.outcomes];
    const acknowledged = all.filter((o) => o.status === 201);
    figures.pubsub = {
      requests: all.length,
      acknowledged: acknowledged.length,
      acknowledgedWhileDown: duringOutage.length,
      pendingInOutboxBeforeRestart: Number(pendingBefore!.n),
      stopMs: stopDone - stopBegan,
      downMs: restartBegan - stopDone,
      restartAndProvisionMs: back - restartBegan,
      slowestAnswerMs: Math.max(...all.map((o) => o.doneAt - o.sentAt)),
      writesPausedMs: Date.now() - paused,
    };

    // The database is fine: every write succeeds, with or without the broker.
    expect(all.filter((o) => o.status !== 201)).toEqual([]);
    expect(duringOutage.length).toBeGreaterThan(0);
    // Their events could go nowhere: each waited in the outbox.
    expect(sentDuringOutage).toEqual([]);
    expect(Number(pendingBefore!.n)).toBeGreaterThanOrEqual(duringOutage.length);
    expect(stack.child.process.exitCode).toBeNull();

    const rows = await db()('person').where('name', 'like', 'Fault pubsub %').select('id', 'name');
    const stored = new Map(rows.map((r: { id: string; name: string }) => [r.id, r.name]));
    expect(acknowledged.filter((o) => stored.get(o.uuid!) !== o.name)).toEqual([]);
    expect(rows).toHaveLength(acknowledged.length);

    (figures.pubsub as Record<string, unknown>).convergedAfterProvisionMs =
      (await expectConverged(acknowledged.map((o) => o.uuid!))) - back;
  }, 300000);
}

if (skip) describe.skip(`fault injection [SKIPPED: ${skip}]`, faultSuite);
else
  describe('fault injection (own PostgreSQL, own Pub/Sub emulator, the local stack)', faultSuite);
