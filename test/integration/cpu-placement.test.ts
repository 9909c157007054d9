import { availableParallelism } from 'node:os';
import knexFactory from 'knex';
import { placeOnCpus } from '../../bench/lib/cpu-placement';
import { threadCpus } from '../support/processes';
import { POSTGRES_ADMIN_URL } from '../support/templates';

/** The benchmark's placement (bench/lib/cpu-placement.ts): the server measured gets a core alone. */
describe('the servers measured get the last CPU alone', () => {
  const cpus = availableParallelism();
  const everyCpu = `0-${cpus - 1}`;
  const db = knexFactory({
    client: 'pg',
    connection: POSTGRES_ADMIN_URL,
    pool: { min: 0, max: 1 },
  });
  afterAll(() => db.destroy());
  const backend = async () =>
    Number((await db.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid as number);

  it('moves this process and PostgreSQL, backends started later included, off it until restored', async () => {
    const before = await backend();
    expect(threadCpus(before)[0]).toBe(everyCpu);
    const placement = placeOnCpus();
    try {
      expect(placement.server).toBe(String(cpus - 1));
      expect(availableParallelism()).toBe(cpus - 1); // what this process may use now
      const mine = threadCpus(process.pid);
      expect(mine).toEqual(mine.map(() => placement.harness));
      expect(threadCpus(before)).toEqual([placement.harness]);
      // A backend forked after the placement inherits the postmaster's affinity.
      await db.destroy();
      db.initialize();
      const later = await backend();
      expect(later).not.toBe(before);
      expect(threadCpus(later)).toEqual([placement.harness]);
    } finally {
      placement.restore();
    }
    const mine = threadCpus(process.pid);
    expect(mine).toEqual(mine.map(() => everyCpu));
    expect(threadCpus(await backend())).toEqual([everyCpu]);
  });
});
