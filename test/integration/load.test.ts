// The load test of issue 8: mixed traffic (reads, lists, writes) at 64 concurrent connections,
// from a separate process (the benchmark's autocannon worker, bench/lib/load-worker.ts), against
// the people function run as deployed: its bundle under the stock functions-framework CLI with
// Terraform's flags (--max-old-space-size=96 for 256 MiB), production settings (APP_ENV,
// API keys, the default pool of DB_POOL_MAX=5), on a fresh PostgreSQL database.
//
// It asserts what the issue asks: zero 5xx, no socket errors or timeouts, no pool exhaustion
// (nothing in the function's log), the function's RSS at the end within 10% of its RSS after the
// warm-up; that the writes are right (a row and one outbox row per answered write); and that the
// instance then drains and exits 0 on SIGTERM. No Pub/Sub runs here (neither the emulator nor
// Cloud Run), so events wait in the outbox: the after-commit publish is not part of this load. The
// figures (requests/s, latency, statuses, RSS) are not asserted: they go to
// test-artifacts/load-PostgreSQL.json and the benchmark.
//
// LOAD_TEST_SECONDS shortens the measured run for local iteration only (default 60, the issue's
// figure; the warm-up is 10 s, or less when the run is shorter). It is not a setting.
import { cpus, loadavg } from 'node:os';
import { load, type LoadResult } from '../../bench/lib/load';
import { mixedTraffic, MIXED_TRAFFIC_STATUS } from '../../bench/lib/mix';
import { databaseLegs, useTestDatabase } from '../support/database-legs';
import { bundleFunction, launchFunction, type LaunchedFunction } from '../support/launcher';
import { memoryMiB, writeArtifact } from '../support/processes';

const SECONDS = Number(process.env.LOAD_TEST_SECONDS ?? 60);
const WARM_UP_SECONDS = Math.max(1, Math.min(10, Math.round(SECONDS / 6)));
const CONNECTIONS = 64;
const SEEDED = 1000;
const API_KEY = 'load-test-key-0123456789abcdef';

const postgres = databaseLegs.find((leg) => leg.name === 'PostgreSQL')!;
const title = 'the people function under mixed load';
const describeLeg = postgres.skip ? describe.skip : describe;

describeLeg(
  postgres.skip ? `${title} [PostgreSQL: SKIPPED, ${postgres.skip}]` : `${title} [PostgreSQL]`,
  () => {
    const db = useTestDatabase(postgres);
    let bundle: { source: string; remove(): void } | undefined;
    let fn: LaunchedFunction | undefined;
    let uuids: string[] = [];

    beforeAll(async () => {
      const rows = Array.from({ length: SEEDED }, (_, i) => ({
        passenger_class: 1 + (i % 3),
        name: `Seeded passenger ${i}`,
        sex: i % 2 ? 'female' : 'male',
        age: 20 + (i % 50),
        siblings_or_spouses_aboard: 0,
        parents_or_children_aboard: 0,
        fare: 7.25 + i,
      }));
      const inserted = await db()('person').insert(rows).returning<{ id: string }[]>('id');
      uuids = inserted.map((row) => row.id).sort();
      bundle = await bundleFunction('people');
      fn = await launchFunction({
        name: 'people',
        source: bundle.source,
        env: {
          APP_ENV: 'production',
          API_KEYS: `load=${API_KEY}`,
          DATABASE_URL: process.env.DATABASE_URL,
          LOG_LEVEL: 'info',
        },
        ready: { path: '/people?limit=1' },
      });
    }, 120000);

    afterAll(async () => {
      await fn?.stop();
      bundle?.remove();
    });

    it(
      `serves ${SECONDS} s of reads, lists and writes at ${CONNECTIONS} connections: no 5xx, no pool errors, flat memory, every write recorded`,
      async () => {
        const json = { 'content-type': 'application/json', authorization: `Bearer ${API_KEY}` };
        const mix = mixedTraffic(uuids, json);
        const expected = MIXED_TRAFFIC_STATUS;
        const run = (seconds: number) =>
          load({
            url: fn!.url,
            mix,
            connections: CONNECTIONS,
            seconds,
            allowNon2xx: true,
            fromSource: true,
          });

        const warmUp = await run(WARM_UP_SECONDS);
        const afterWarmUp = memoryMiB(fn!.pid)!;
        const timeline: number[] = [];
        const sampler = setInterval(() => timeline.push(memoryMiB(fn!.pid)!.rss), 1000);
        let measured: LoadResult;
        try {
          measured = await run(SECONDS);
        } finally {
          clearInterval(sampler);
        }
        const atEnd = memoryMiB(fn!.pid)!;
        // RSS after warm-up and at the end, each as the mean of its first or last ten 1 s
        // samples: one reading alone moves with where the garbage collector happens to be.
        const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
        const rssAfterWarmUp = mean([afterWarmUp.rss, ...timeline.slice(0, 9)]);
        const rssAtEnd = mean([...timeline.slice(-9), atEnd.rss]);
        // Requests the generator left in flight still run: let the instance drain and stop (as
        // Cloud Run stops it) before counting what was written.
        const exitCode = await fn!.stop(15000);
        const logs = fn!.logs();

        // Every write either run started, answered or not (a run ends with requests in flight).
        const count = (kind: string, status?: string) =>
          [warmUp, measured].reduce((sum, result) => {
            const stats = result.byKind![kind]!;
            return sum + (status ? (stats.statusCodes[status] ?? 0) : stats.sent);
          }, 0);
        const created = Number((await db()('person').count({ n: '*' }).first())?.n) - SEEDED;
        const events = await db()('outbox')
          .select('type')
          .count<{ type: string; n: string }[]>('* as n')
          .groupBy('type');
        const eventsOf = (type: string) => Number(events.find((e) => e.type === type)?.n ?? 0);
        const orphans = await db()
          .from('person')
          .where('name', 'like', 'Load %')
          .whereNotExists((q) =>
            q.from('outbox').where('type', 'person.created').whereRaw('outbox.subject = person.id'),
          )
          .count({ n: '*' })
          .first();

        const statuses = (result: LoadResult) =>
          Object.fromEntries(
            Object.entries(result.byKind!).map(([kind, stats]) => [kind, stats.statusCodes]),
          );
        const figures = {
          conditions: {
            seconds: SECONDS,
            warmUpSeconds: WARM_UP_SECONDS,
            connections: CONNECTIONS,
            database: 'PostgreSQL',
            seeded: SEEDED,
            mix: Object.fromEntries(mix.map((m) => [m.kind, m.weight])),
            cpus: cpus().length,
            loadAverage: loadavg().map(round),
          },
          requestsPerSecond: Math.round(measured.requestsPerSecond),
          latencyMs: { p50: measured.p50, p99: measured.p99 },
          total: measured.total,
          statusCodes: measured.statusCodes,
          byKind: statuses(measured),
          socketErrors: measured.errors,
          timeouts: measured.timeouts,
          warmUp: {
            requestsPerSecond: Math.round(warmUp.requestsPerSecond),
            statusCodes: warmUp.statusCodes,
          },
          rssMiB: {
            afterWarmUp: round(rssAfterWarmUp),
            atEnd: round(rssAtEnd),
            peak: round(atEnd.peak),
            growth: round((rssAtEnd / rssAfterWarmUp - 1) * 100),
            timeline: timeline.map(round),
          },
          exitCode,
          log: {
            lines: logs.lines,
            bySeverity: logs.bySeverity,
            errors: logs.errorCount,
            poolErrors: logs.poolErrorCount,
            firstErrors: [...logs.poolErrors, ...logs.errors].slice(0, 5),
          },
          writes: {
            createsSent: count('create'),
            creates201: count('create', '201'),
            rowsCreated: created,
            updatesSent: count('update'),
            updates200: count('update', '200'),
            createdEvents: eventsOf('person.created'),
            updatedEvents: eventsOf('person.updated'),
          },
        };
        writeArtifact('load-PostgreSQL.json', figures);

        // Zero 5xx, and nothing but the expected answer for each kind of request.
        for (const result of [warmUp, measured]) {
          const serverErrors = Object.keys(result.statusCodes).filter(
            (code) => Number(code) >= 500,
          );
          expect(serverErrors).toEqual([]);
          for (const [kind, stats] of Object.entries(result.byKind!))
            expect({ kind, statuses: Object.keys(stats.statusCodes) }).toEqual({
              kind,
              statuses: [expected[kind]],
            });
          expect({ errors: result.errors, timeouts: result.timeouts }).toEqual({
            errors: 0,
            timeouts: 0,
          });
        }
        // No pool exhaustion, nothing logged as an error; a clean shutdown after it all.
        expect(exitCode).toBe(0);
        expect(logs.poolErrors).toEqual([]);
        expect(logs.errors).toEqual([]);
        // Memory: the bound, end against after the warm-up.
        expect(rssAtEnd).toBeLessThanOrEqual(rssAfterWarmUp * 1.1);
        // Every create answered 201 is a row; no row without an answer beyond those in flight.
        expect(created).toBeGreaterThanOrEqual(count('create', '201'));
        expect(created).toBeLessThanOrEqual(count('create'));
        // One outbox row per write: one person.created per new row, one person.updated per update.
        expect(eventsOf('person.created')).toBe(created);
        expect(Number(orphans?.n)).toBe(0);
        expect(eventsOf('person.updated')).toBeGreaterThanOrEqual(count('update', '200'));
        expect(eventsOf('person.updated')).toBeLessThanOrEqual(count('update'));
        expect(events.map((e) => e.type).sort()).toEqual(
          created > 0 ? ['person.created', 'person.updated'] : ['person.updated'],
        );
      },
      (SECONDS + WARM_UP_SECONDS + 60) * 1000,
    );
  },
);

function round(mib: number): number {
  return Math.round(mib * 10) / 10;
}
