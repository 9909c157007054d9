import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { startDatabaseProxy, type DatabaseProxy } from '../support/database-proxy';
import { personData, request } from '../support/http';
import { launchFunction } from '../support/launcher';
import { until } from '../support/until';

/** Whether the server on `serverPort` still holds its end of the connection from `clientPort`. */
function serverHoldsConnection(serverPort: number, clientPort: number): boolean {
  const sockets = execFileSync(
    'ss',
    [
      '-Htn',
      'state',
      'established',
      'state',
      'close-wait',
      `( sport = :${serverPort} and dport = :${clientPort} )`,
    ],
    { encoding: 'utf8' },
  );
  return sockets.trim() !== '';
}

describeEachDatabase('a function receiving SIGTERM mid-request', (leg) => {
  const db = useTestDatabase(leg);
  // The function reaches the database through a proxy: the test knows when a request has sent
  // its query (and waits on the lock the test holds), rather than sleeping and hoping.
  let proxy: DatabaseProxy;
  beforeEach(async () => {
    proxy = await startDatabaseProxy(process.env.DATABASE_URL!);
  });
  afterEach(() => proxy.close());

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
      env: { DATABASE_URL: proxy.url, LOG_LEVEL: 'debug' },
    });
    try {
      const url = `${fn.url}/people/${id}`;
      expect((await request(url)).status).toBe(200);

      // Hold the table so the next request is in flight when SIGTERM arrives.
      const trx = await db().transaction();
      await trx.raw('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      const queried = proxy.nextClientBytes();
      const inFlight = request(url);
      await queried;
      fn.process.kill('SIGTERM');
      await fn.waitFor(/draining before shutdown/);
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
      env: { DATABASE_URL: proxy.url, LOG_LEVEL: 'debug' },
    });
    try {
      const url = `${fn.url}/people`;
      expect((await request(`${url}?limit=1`)).status).toBe(200);

      // The write waits on the lock; its client gives up (closing the response at once), and
      // only then does SIGTERM arrive: the drain must still count the write as in flight.
      const trx = await db().transaction();
      await trx.raw('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      // A connection of its own (a known client port), so the test can see the server let go of it.
      const queried = proxy.nextClientBytes();
      const body = JSON.stringify(personData({ name: 'Mr. Hung Up' }));
      const client = httpRequest(url, {
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      });
      client.on('error', () => undefined);
      const clientPort = await new Promise<number>((connected) =>
        client.once('socket', (socket) =>
          socket.once('connect', () => connected(socket.localPort!)),
        ),
      );
      client.end(body);
      await queried;
      client.destroy();
      const serverPort = Number(new URL(fn.url).port);
      await until(
        'the function to see its client hang up',
        async () => !serverHoldsConnection(serverPort, clientPort),
      );
      fn.process.kill('SIGTERM');
      await fn.waitFor(/draining before shutdown/);
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
