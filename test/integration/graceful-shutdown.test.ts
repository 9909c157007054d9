import { setTimeout as sleep } from 'node:timers/promises';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { personData, request } from '../support/http';
import { launchFunction } from '../support/launcher';

describeEachDatabase('a function receiving SIGTERM mid-request', (leg) => {
  const db = useTestDatabase(leg);

  it('finishes the request, closes the pool, and exits 0', async () => {
    const [{ id }] = await db()('person')
      .insert({
        passenger_class: 1,
        name: 'Mr. Slow',
        sex: 'male',
        age: 40,
        siblings_or_spouses_aboard: 0,
        parents_or_children_aboard: 0,
        fare: 30,
      })
      .returning('id');
    const fn = await launchFunction({
      name: 'people',
      source: 'functions/people/index.ts',
      env: { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'debug' },
    });
    try {
      const url = `${fn.url}/people/${id}`;
      expect((await request(url)).status).toBe(200);

      // Hold the table so the next request is in flight when SIGTERM arrives.
      const trx = await db().transaction();
      await trx.raw('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      const inFlight = request(url);
      await sleep(500);
      fn.process.kill('SIGTERM');
      await fn.waitFor(/draining before shutdown/);
      await sleep(300);
      await trx.commit();

      const res = await inFlight;
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ...personData({
          name: 'Mr. Slow',
          passengerClass: 1,
          age: 40,
          fare: 30,
          siblingsOrSpousesAboard: 0,
        }),
        uuid: id,
      });
      expect(await fn.exited).toBe(0);
      expect(fn.output()).toMatch(/"inFlight":1[^\n]*draining before shutdown/);
      expect(fn.output()).toMatch(/database pool closed/);
    } finally {
      if (fn.process.exitCode === null) fn.process.kill('SIGKILL');
    }
  });

  it('still finishes a write whose client hung up before SIGTERM, then closes the pool', async () => {
    const fn = await launchFunction({
      name: 'people',
      source: 'functions/people/index.ts',
      env: { DATABASE_URL: process.env.DATABASE_URL, LOG_LEVEL: 'debug' },
    });
    try {
      const url = `${fn.url}/people`;
      expect((await request(`${url}?limit=1`)).status).toBe(200);

      // The write waits on the lock; its client gives up (closing the response at once), and
      // only then does SIGTERM arrive: the drain must still count the write as in flight.
      const trx = await db().transaction();
      await trx.raw('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      const client = new AbortController();
      const abandoned = request(url, {
        method: 'POST',
        json: personData({ name: 'Mr. Hung Up' }),
        signal: client.signal,
      }).catch((error: Error) => error.name);
      await sleep(500);
      client.abort();
      expect(await abandoned).toBe('AbortError');
      await sleep(200);
      fn.process.kill('SIGTERM');
      await fn.waitFor(/draining before shutdown/);
      await sleep(300);
      await trx.commit();

      expect(await fn.exited).toBe(0);
      expect(fn.output()).toMatch(/"inFlight":1[^\n]*draining before shutdown/);
      expect(fn.output()).not.toMatch(/"severity":"(ERROR|CRITICAL)"/);
      expect(await db()('person').where({ name: 'Mr. Hung Up' }).select('name')).toEqual([
        { name: 'Mr. Hung Up' },
      ]);
      expect(fn.output()).toMatch(/database pool closed/);
    } finally {
      if (fn.process.exitCode === null) fn.process.kill('SIGKILL');
    }
  });
});
