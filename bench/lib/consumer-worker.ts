// Events/s through the project-stats consumer in this process (decode, validate, then the dedup
// record and projection as one statement), against a bare INSERT of each event into a table of
// its own, on the same pool and at the same concurrency. argv: events per side per round,
// concurrency, rounds (odd). Prints JSON: the pair with the median ratio, every ratio, and the
// CPU per event of each side (this process and its server processes).
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { processCpuMs } from './process-cpu';
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

/**
 * CPU so far of this pool's server processes (by pid; none when the server is not on this
 * machine), from /proc: wall clock on a shared machine moves with others' load, CPU far less.
 */
async function serverCpuMs(db: Knex): Promise<Map<number, number>> {
  const { rows } = await db.raw(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'manifest'`,
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows as { pid: number }[]) {
    try {
      cpu.set(pid, processCpuMs(pid));
    } catch {
      // Not a process of this machine (a remote server), or gone.
    }
  }
  return cpu;
}

/** One side's run: its rate, and CPU per event in µs, this process's and the server's. */
async function measure(
  db: Knex,
  items: PubsubMessage[],
  concurrency: number,
  work: (m: PubsubMessage) => Promise<unknown>,
) {
  const server = await serverCpuMs(db);
  const node = process.cpuUsage();
  const perSecond = await rate(items, concurrency, work);
  const { user, system } = process.cpuUsage(node);
  let serverMs = 0;
  for (const [pid, ms] of await serverCpuMs(db)) serverMs += ms - (server.get(pid) ?? ms);
  return {
    perSecond,
    nodeUs: (user + system) / items.length,
    serverUs: (serverMs * 1000) / items.length,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 2000);
  const concurrency = Number(process.argv[3] ?? 4);
  const rounds = Number(process.argv[4] ?? 7);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds % 2 === 0)
    throw new Error(`rounds must be odd (one median pair), not ${process.argv[4]}`);
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
  // Warm both paths (JIT, pool, the validators' first compile, the prepared statements).
  await rate(messages(200), concurrency, bareInsert);
  await rate(messages(200), concurrency, viaConsumer);
  // Rounds of one pair each, the order alternating (a load that rises or falls through a round
  // favours neither side): the machine is shared, and its load moves one side's rate by half
  // between rounds, so each ratio is taken within its pair and the median pair reported.
  type Side = Awaited<ReturnType<typeof measure>>;
  const pairs: { bare: Side; consumer: Side; ratio: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    const sides: Partial<Record<'bare' | 'consumer', Side>> = {};
    for (const side of round % 2 === 0 ? ['bare', 'consumer'] : ['consumer', 'bare']) {
      sides[side as 'bare' | 'consumer'] = await measure(
        db,
        messages(n),
        concurrency,
        side === 'bare' ? bareInsert : viaConsumer,
      );
    }
    const { bare, consumer } = sides as Record<'bare' | 'consumer', Side>;
    pairs.push({ bare, consumer, ratio: consumer.perSecond / bare.perSecond });
  }
  const middle = [...pairs].sort((a, b) => a.ratio - b.ratio)[(rounds - 1) / 2]!;
  const cpu = (side: 'bare' | 'consumer') => ({
    nodeUs: median(pairs.map((p) => p[side].nodeUs)),
    serverUs: median(pairs.map((p) => p[side].serverUs)),
  });
  await db.raw('DROP TABLE bench_event');
  process.stdout.write(
    JSON.stringify({
      bare: middle.bare.perSecond,
      consumer: middle.consumer.perSecond,
      ratios: pairs.map((p) => p.ratio),
      // Medians over the rounds, µs per event.
      cpu: { bare: cpu('bare'), consumer: cpu('consumer') },
      n,
      concurrency,
      rounds,
    }),
  );
}

main()
  .then(() => shutdown('bench done'))
  .then(() => process.exit(0))
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
