import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Pool } from 'tarn';
import { createKnex, database } from '../../shared/db';
import { grantRuntimeRole } from '../../shared/db/roles';
import { resetInstance } from '../../shared/runtime/testing';
import { FakeSecretManager } from '../support/fake-secret-manager';
import { serveFunction } from '../support/functions';
import { capturedLogs, capturedLogText, clearCapturedLogs } from '../support/logs';
import {
  ownPostgresUnavailable,
  startOwnPostgres,
  type OwnPostgres,
} from '../support/own-postgres';
import { until } from '../support/until';

/**
 * Rotating the database password under traffic, as Terraform does when `password_version` is
 * incremented (terraform/modules/cloud-sql-postgres/user.tf): a new secret version first, then
 * the user's new password, then the old version disabled. The people function runs in this
 * process against a PostgreSQL server of this file's own (password authentication for its user)
 * and reads its password with the real Secret Manager client from a local fake. The secret's
 * TTL is 300 s, as deployed: only the re-read on refusal (28P01) can keep requests succeeding.
 *
 * Between rounds of requests the test waits until the pool has closed its idle connections
 * (DB_POOL_IDLE_MS), so each round opens new ones, as an instance does after a quiet spell.
 */
const postgresSkip = ownPostgresUnavailable();
if (postgresSkip && process.env.REQUIRE_POSTGRES === '1')
  throw new Error(`REQUIRE_POSTGRES=1 but ${postgresSkip}`);
const describeOwn = postgresSkip ? describe.skip : describe;

const PROJECT = 'demo-manifest';
const SECRET = 'db-password';
const LOGIN = 'manifest_fn_rotation';
// Test values only; they must never appear in a log line.
const PASSWORDS = [
  'rotation-one-4f1c9a',
  'rotation-two-8d27e5',
  'rotation-three-c03b61',
  'rotation-four-91ad70',
];
const ROUNDS = 12;
const REQUESTS_PER_ROUND = 10;
/** The round during whose requests the password is rotated. */
const ROTATION_ROUND = 4;

describeOwn(
  `rotating the database password under traffic [own PostgreSQL${postgresSkip ? `: SKIPPED, ${postgresSkip}` : ''}]`,
  () => {
    const saved = { ...process.env };
    const fake = new FakeSecretManager();
    let server: OwnPostgres;
    let admin: Knex;
    let people: { url: string; close(): Promise<void> };

    /** The function's open sessions, as the server counts them. */
    const sessions = async () =>
      (
        await admin.raw<{ rows: { n: number }[] }>(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = ?',
          [LOGIN],
        )
      ).rows[0]!.n;
    /**
     * Until the function's pool holds no connection and opens none (a connection still signing
     * in is not yet in pg_stat_activity), and the server has no session of its login left.
     */
    const poolEmptied = () =>
      until('the pool to close its idle connections', async () => {
        const pool = (await database()).client.pool as Pool<unknown>;
        const opening = pool.numUsed() + pool.numFree() + pool.numPendingCreates();
        return opening === 0 && (await sessions()) === 0;
      });

    /** Sets the login's password, as Cloud SQL does for google_sql_user's password_wo. */
    const setPassword = (password: string) =>
      admin.raw(`ALTER ROLE ${LOGIN} PASSWORD '${password}'`);

    /** `count` requests at once; their statuses. */
    const requests = (count: number) =>
      Promise.all(
        Array.from({ length: count }, async () => {
          const response = await fetch(`${people.url}/?limit=5`);
          await response.arrayBuffer();
          return response.status;
        }),
      );

    const messages = () =>
      capturedLogs()
        .map((line) => String(line.message))
        .filter((message) => /password|secret/.test(message));

    beforeAll(async () => {
      server = await startOwnPostgres();
      await server.migrate();
      admin = createKnex(
        { connectionString: server.url },
        {
          DB_POOL_MAX: 1,
          DB_POOL_IDLE_MS: 1000,
          DB_CONNECT_TIMEOUT_MS: 5000,
          DB_STATEMENT_TIMEOUT_MS: 30000,
        },
      );
      await admin.raw(`CREATE ROLE ${LOGIN} LOGIN`);
      await setPassword(PASSWORDS[0]!);
      await grantRuntimeRole(admin, [LOGIN]);
      // The server trusts everyone else (initdb -A trust); this login must give its password.
      const hba = join(server.dir, 'data', 'pg_hba.conf');
      const rules = readFileSync(hba, 'utf8');
      writeFileSync(hba, `host all ${LOGIN} 127.0.0.1/32 scram-sha-256\n${rules}`);
      await admin.raw('SELECT pg_reload_conf()');

      await fake.start();
      fake.addVersion(PROJECT, SECRET, PASSWORDS[0]!);
      process.env = {
        ...saved,
        GOOGLE_CLOUD_PROJECT: PROJECT,
        SECRET_MANAGER_ENDPOINT: fake.endpoint,
        SECRET_TTL_SECONDS: '300',
        DATABASE_HOST: '127.0.0.1',
        DATABASE_PORT: String(server.port),
        DATABASE_NAME: 'postgres',
        DATABASE_USER: LOGIN,
        DATABASE_PASSWORD: `sm://${SECRET}`,
        DB_POOL_MAX: '5',
        DB_POOL_IDLE_MS: '100',
      };
      delete process.env.DATABASE_URL;
      await resetInstance();
      people = await serveFunction('people');
    });

    afterAll(async () => {
      await people?.close();
      await resetInstance();
      process.env = saved;
      await fake.stop();
      await admin?.destroy();
      await server?.destroy();
    });

    it('the server refuses the login a wrong password (28P01), so the rotation below is real', async () => {
      const wrong = createKnex(
        {
          host: '127.0.0.1',
          port: server.port,
          user: LOGIN,
          database: 'postgres',
          password: 'wrong',
        },
        {
          DB_POOL_MAX: 1,
          DB_POOL_IDLE_MS: 1000,
          DB_CONNECT_TIMEOUT_MS: 5000,
          DB_STATEMENT_TIMEOUT_MS: 5000,
        },
      );
      try {
        await expect(wrong.raw('SELECT 1')).rejects.toMatchObject({ code: '28P01' });
      } finally {
        await wrong.destroy();
      }
    });

    it('answers every request while the password changes, re-reading the secret at once when refused', async () => {
      clearCapturedLogs();
      const statuses: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        await poolEmptied();
        const answers = requests(REQUESTS_PER_ROUND);
        if (round === ROTATION_ROUND) {
          // Terraform's order: the new version, then the user's password, then the old version disabled.
          const version = fake.addVersion(PROJECT, SECRET, PASSWORDS[1]!);
          await setPassword(PASSWORDS[1]!);
          fake.disableVersion(PROJECT, SECRET, version - 1);
        }
        statuses.push(...(await answers));
      }

      expect(statuses).toEqual(Array(ROUNDS * REQUESTS_PER_ROUND).fill(200));
      // Within the 300 s TTL: the value changed only because a refusal made the instance re-read it.
      const seen = messages();
      expect(seen.filter((m) => m === 'secret rotated; new value in use')).toHaveLength(1);
      // Refused first (each connection opening at that moment says so; they share one read),
      // then the new value read, then connections opened with it.
      const first = (message: string) => seen.indexOf(message);
      expect(
        first('database refused the password; re-reading its secret now, before the TTL'),
      ).toBe(0);
      expect(first('secret rotated; new value in use')).toBeGreaterThan(0);
      expect(first('database connection opened with the re-read password')).toBeGreaterThan(
        first('secret rotated; new value in use'),
      );
      expect(seen).not.toContain(
        'the secret still holds the refused password; not retrying the connection',
      );
      expect(capturedLogs()).toContainEqual(
        expect.objectContaining({
          message: 'secret rotated; new value in use',
          setting: 'DATABASE_PASSWORD',
          secret: `sm://${SECRET}`,
        }),
      );
      for (const password of PASSWORDS) expect(capturedLogText()).not.toContain(password);
    });

    it('does not retry a password the secret still holds, and recovers once the secret has the new one', async () => {
      await poolEmptied();
      clearCapturedLogs();
      // The wrong order: the database changes first. Nothing to re-read yet, so the request fails.
      await setPassword(PASSWORDS[2]!);
      expect(await requests(1)).toEqual([500]);
      expect(messages()).toContain(
        'the secret still holds the refused password; not retrying the connection',
      );

      // The new version arrives: the next request re-reads it at once, not after the TTL.
      fake.addVersion(PROJECT, SECRET, PASSWORDS[2]!);
      await poolEmptied();
      expect(await requests(1)).toEqual([200]);
      expect(messages()).toContain('database connection opened with the re-read password');
      for (const password of PASSWORDS) expect(capturedLogText()).not.toContain(password);
    });

    it('keeps answering an instance that starts between the new version and the database change', async () => {
      // As the tests above left it: the database takes PASSWORDS[2], the secret's latest version.
      clearCapturedLogs();
      const statuses: number[] = [];
      // Step 1 only: the new version is written. An instance starting now reads it, and the
      // database refuses it; the secret's previous version is still the database's password.
      const version = fake.addVersion(PROJECT, SECRET, PASSWORDS[3]!);
      await poolEmptied();
      await resetInstance();
      statuses.push(...(await requests(REQUESTS_PER_ROUND)));
      expect(messages()).toContain(
        'the secret holds a password the database does not take yet; trying its previous version',
      );
      // Step 2: the database takes the new password; step 3: the old version is disabled.
      await poolEmptied();
      await setPassword(PASSWORDS[3]!);
      statuses.push(...(await requests(REQUESTS_PER_ROUND)));
      fake.disableVersion(PROJECT, SECRET, version - 1);
      await poolEmptied();
      statuses.push(...(await requests(REQUESTS_PER_ROUND)));

      expect(statuses).toEqual(Array(3 * REQUESTS_PER_ROUND).fill(200));
      expect(messages()).not.toContain(
        'the secret still holds the refused password; not retrying the connection',
      );
      for (const password of PASSWORDS) expect(capturedLogText()).not.toContain(password);
    });
  },
);
