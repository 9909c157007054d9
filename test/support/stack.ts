import type { Knex } from 'knex';
import { request } from './http';
import { freePort, startChild, TSX, type Child } from './processes';
import { until } from './until';

/** `npm start` in a separate process, as a user runs it. */
export interface LocalStack {
  /** The gateway's base URL (no trailing slash). */
  base: string;
  child: Child;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Starts the local stack on a free port with extra settings and waits until /health is 200. */
export async function startLocalStack(
  env: Record<string, string | undefined>,
): Promise<LocalStack> {
  const port = await freePort();
  const child = startChild(TSX, ['scripts/start.ts'], { PORT: String(port), ...env });
  const base = `http://127.0.0.1:${port}`;
  const stop = async () => void (await child.stop());
  try {
    await until(
      'the local stack to answer /health',
      async () => {
        if (child.process.exitCode !== null)
          throw new Error(`the stack exited:\n${child.output()}`);
        const res = await request(`${base}/health`).catch(() => undefined);
        return res?.status === 200 ? true : undefined;
      },
      90000,
      100,
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${child.output().slice(-4000)}`, {
      cause: error,
    });
  }
  return { base, child, stop };
}

/** What the person table says per class and sex: the truth the stats read model must show. */
export async function statsTruth(db: Knex) {
  const rows = await db('person')
    .select('passenger_class', 'sex')
    .count('* as n')
    .select(db.raw('count(*) FILTER (WHERE survived) AS s'))
    .groupBy(1, 2)
    .orderBy([1, 2]);
  return rows.map((r: any) => ({
    passengerClass: r.passenger_class,
    sex: r.sex,
    passengers: Number(r.n),
    survivors: Number(r.s),
  }));
}
