import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { database } from '../../shared/db';
import { serveOnSocket } from '../../shared/db/embedded';
import { loadPglite } from '../../shared/db/pglite';
import { resetInstance } from '../../shared/runtime/testing';

/**
 * The two databases every integration suite runs against: the embedded default (PGlite)
 * and a real PostgreSQL server. The same tests, two legs; the PostgreSQL leg is skipped,
 * with the reason in its title, when global setup found no server (never in CI).
 */
export interface DatabaseLeg {
  name: 'PGlite' | 'PostgreSQL';
  /** Why this leg cannot run here; undefined when it can. */
  skip?: string;
}

export const databaseLegs: DatabaseLeg[] = [
  { name: 'PGlite' },
  { name: 'PostgreSQL', skip: process.env.MANIFEST_TEST_POSTGRES_SKIP },
];

/** `describe` once per database leg; a leg that cannot run is a skipped block saying why. */
export function describeEachDatabase(title: string, suite: (leg: DatabaseLeg) => void): void {
  for (const leg of databaseLegs) {
    if (leg.skip) {
      describe.skip(`${title} [${leg.name}: SKIPPED, ${leg.skip}]`, () => suite(leg));
    } else {
      describe(`${title} [${leg.name}]`, () => suite(leg));
    }
  }
}

/** A fresh, migrated database of one leg, with a URL for DATABASE_URL. */
export interface TestDatabase {
  url: string;
  close(): Promise<void>;
}

let counter = 0;

/** Creates a fresh copy of the leg's migrated template database. */
export async function createTestDatabase(leg: DatabaseLeg): Promise<TestDatabase> {
  return leg.name === 'PGlite' ? createPgliteDatabase() : createPostgresDatabase();
}

async function createPgliteDatabase(): Promise<TestDatabase> {
  const template = process.env.MANIFEST_TEST_PGLITE_TEMPLATE;
  if (!template)
    throw new Error('MANIFEST_TEST_PGLITE_TEMPLATE is unset: run through jest (global setup)');
  const { PGlite, extensions } = await loadPglite();
  const db = await PGlite.create({
    loadDataDir: new Blob([readFileSync(template)]),
    extensions,
  });
  const socketDir = mkdtempSync(join(tmpdir(), 'manifest-pg-'));
  const server = await serveOnSocket(db, socketDir);
  return {
    url: `postgres://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
    close: async () => {
      await server.stop();
      await db.close();
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.MANIFEST_TEST_POSTGRES_ADMIN_URL!;
  const template = process.env.MANIFEST_TEST_POSTGRES_TEMPLATE!;
  const name = `manifest_test_${process.pid}_${++counter}`;
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    close: async () => {
      const cleanup = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
      try {
        await cleanup.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await cleanup.destroy();
      }
    },
  };
}

/**
 * Gives the enclosing describe block a fresh instance (resetInstance) pointed at a fresh
 * database of the leg, and resets the instance again after the block (so what the block
 * installed, a publisher for one, goes with it).
 * @returns a getter for the instance's knex, for assertions on what was written
 */
export function useTestDatabase(leg: DatabaseLeg, env: Record<string, string> = {}): () => Knex {
  let testDb: TestDatabase | undefined;
  let knex: Knex | undefined;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    testDb = await createTestDatabase(leg);
    for (const [name, value] of Object.entries({ ...env, DATABASE_URL: testDb.url })) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    await resetInstance();
    knex = await database();
  });
  afterAll(async () => {
    await resetInstance();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await testDb?.close();
  });
  return () => {
    if (!knex) throw new Error('the test database is not open yet (use it inside a test)');
    return knex;
  };
}
