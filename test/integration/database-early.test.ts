import knexFactory, { type Knex } from 'knex';
import { database, readyDatabase } from '../../shared/db';
import { resetInstance } from '../../shared/runtime/testing';
import {
  createTestDatabase,
  databaseLegs,
  describeEachDatabase,
  useTestDatabase,
  type TestDatabase,
} from '../support/database-legs';
import { request } from '../support/http';
import { launchFunction } from '../support/launcher';
import { freePort } from '../support/processes';
import { until } from '../support/until';

// The sessions are counted by the server (pg_stat_activity), so the PostgreSQL leg only.
const postgres = databaseLegs.find((leg) => leg.name === 'PostgreSQL')!;
const describePostgres = postgres.skip ? describe.skip : describe;

describePostgres('a deployed function opening its database at cold start', () => {
  let testDb: TestDatabase;
  let admin: Knex;
  let name: string;
  beforeAll(async () => {
    testDb = await createTestDatabase(postgres);
    name = new URL(testDb.url).pathname.slice(1);
    admin = knexFactory({
      client: 'pg',
      connection: process.env.MANIFEST_TEST_POSTGRES_ADMIN_URL!,
      pool: { min: 0, max: 1 },
    });
  });
  afterAll(async () => {
    await admin.destroy();
    await testDb.close();
  });

  /** Sessions on the test's database: the function is its only client. */
  const sessions = async () =>
    (
      await admin.raw<{ rows: { n: number }[] }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = ?',
        [name],
      )
    ).rows[0]!.n;
  const launch = (env: Record<string, string>) =>
    launchFunction({
      name: 'health',
      source: 'functions/health/index.ts',
      env: { DATABASE_URL: testDb.url, LOG_LEVEL: 'debug', ...env },
    });

  it('opens one connection before any request, and closes it when idle for DB_POOL_IDLE_MS', async () => {
    const fn = await launch({ DB_POOL_IDLE_MS: '300' });
    try {
      await until('the connection opened at cold start', async () => (await sessions()) === 1);
      await fn.waitFor(/database opened at cold start/);
      await until('the idle connection to close', async () => (await sessions()) === 0);
      expect(fn.logs().errors).toEqual([]);
    } finally {
      expect(await fn.stop()).toBe(0);
    }
  });

  it('closes the pool at a SIGTERM that comes before any request, and exits 0', async () => {
    const fn = await launch({});
    await until('the connection opened at cold start', async () => (await sessions()) === 1);
    expect(await fn.stop()).toBe(0);
    expect(fn.output()).toContain('database pool closed');
    await until('the session to end', async () => (await sessions()) === 0);
  });

  it('starts, and answers its first request, when the database cannot be reached at cold start', async () => {
    const closed = new URL(testDb.url);
    closed.port = String(await freePort());
    const fn = await launch({ DATABASE_URL: closed.toString(), DB_CONNECT_TIMEOUT_MS: '500' });
    try {
      await fn.waitFor(/database not opened at cold start/);
      expect((await request(`${fn.url}/health`)).status).toBe(503);
    } finally {
      expect(await fn.stop()).toBe(0);
    }
  });
});

describeEachDatabase('the schema check', (leg) => {
  useTestDatabase(leg);
  beforeEach(() => resetInstance());

  it('is made once for callers that come while it runs (the cold start and a first request)', async () => {
    const db = await database();
    let queries = 0;
    db.on('query', () => queries++);
    await Promise.all([readyDatabase(), readyDatabase(), readyDatabase()]);
    expect(queries).toBe(2); // the table's presence, then the names of the applied migrations
    await readyDatabase();
    expect(queries).toBe(2);
  });
});
