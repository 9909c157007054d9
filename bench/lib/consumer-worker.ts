// Events/s through the project-stats consumer in this process (decode, validate, dedup record,
// projection, one transaction each), against a bare INSERT of each event into a table of its own,
// on the same pool and at the same concurrency. argv: events, concurrency. Prints JSON.
import { randomUUID } from 'node:crypto';
import { readyDatabase } from '../../shared/db';
import { consume } from '../../shared/events/consumer';
import { createEvent } from '../../shared/events/envelope';
import { eventMessage, pushBody } from '../../shared/events/message';
import type { PubsubMessage } from '../../shared/events/message';
import { shutdown } from '../../shared/runtime/shutdown';
import { projectStatsRouter } from '../../shared/stats/consumer';

const SEXES = ['female', 'male', 'other'] as const;

/** n person.created messages as a push delivers them, spread over every class and sex. */
function messages(n: number): PubsubMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const uuid = randomUUID();
    const event = createEvent('person.created', {
      subject: uuid,
      actor: 'bench',
      data: {
        uuid,
        survived: i % 3 === 0,
        passengerClass: ((i % 3) + 1) as 1 | 2 | 3,
        name: `Passenger ${i}`,
        sex: SEXES[Math.floor(i / 3) % 3]!,
        age: 20 + (i % 50) + 0.5,
        siblingsOrSpousesAboard: i % 2,
        parentsOrChildrenAboard: 0,
        fare: 7.25 + (i % 100),
      },
    });
    return pushBody(eventMessage(event, ''), {
      messageId: randomUUID(),
      subscription: 'projects/demo-manifest/subscriptions/bench',
    }).message;
  });
}

/** Runs `work` over the items, `concurrency` at a time; returns items per second. */
async function rate<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
  return items.length / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 4);
  const db = await readyDatabase();
  await db.raw(
    'CREATE TABLE IF NOT EXISTS bench_event (id uuid PRIMARY KEY, type text NOT NULL, payload text NOT NULL)',
  );
  const bareInsert = (m: PubsubMessage) =>
    db('bench_event').insert({ id: m.attributes!.id, type: m.attributes!.type, payload: m.data });
  const viaConsumer = async (m: PubsubMessage) => {
    const outcome = await consume(projectStatsRouter, m);
    if (outcome !== 'applied') throw new Error(`event ${m.attributes!.id} was ${outcome}`);
  };
  // Warm both paths (JIT, pool, the validators' first compile), then alternate, best of two.
  await rate(messages(200), concurrency, bareInsert);
  await rate(messages(200), concurrency, viaConsumer);
  let bare = 0;
  let consumer = 0;
  for (let round = 0; round < 2; round++) {
    bare = Math.max(bare, await rate(messages(n), concurrency, bareInsert));
    consumer = Math.max(consumer, await rate(messages(n), concurrency, viaConsumer));
  }
  await db.raw('DROP TABLE bench_event');
  process.stdout.write(JSON.stringify({ bare, consumer, n, concurrency }));
}

main()
  .then(() => shutdown('bench done'))
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
