import type { Knex } from 'knex';
import { canNameStatements, createKnex } from '../../shared/db/knex';

const pool = {
  DB_POOL_MAX: 1,
  DB_POOL_IDLE_MS: 1000,
  DB_CONNECT_TIMEOUT_MS: 1000,
  DB_STATEMENT_TIMEOUT_MS: 1000,
};

describe('named prepared statements', () => {
  const made: Knex[] = [];
  const knex = (target: Parameters<typeof createKnex>[0]) => {
    const db = createKnex(target, pool);
    made.push(db);
    return db;
  };
  afterAll(() => Promise.all(made.map((db) => db.destroy())));

  it('are used on a server reached over TCP', () => {
    const db = knex({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
    expect(canNameStatements(db)).toBe(true);
    const host = { host: 'db.internal', port: 5432, user: 'u', database: 'd' };
    expect(canNameStatements(knex(host))).toBe(true);
  });

  it('are not used over a Unix socket (where the embedded PGlite, one shared session, is served)', () => {
    const socketUrl = `postgres://postgres@localhost/postgres?host=${encodeURIComponent('/tmp/pg')}`;
    expect(canNameStatements(knex({ connectionString: socketUrl }))).toBe(false);
    const socketHost = { host: '/tmp/pg', port: 5432, user: 'postgres', database: 'postgres' };
    expect(canNameStatements(knex(socketHost))).toBe(false);
    expect(canNameStatements(knex({ connectionString: 'socket:/tmp/pg?db=x' }))).toBe(false);
  });

  it('are not used until a provider has given a target, then follow the target', async () => {
    const db = knex(async () => ({ connectionString: 'postgres://postgres@127.0.0.1:1/x' }));
    expect(canNameStatements(db)).toBe(false);
    // Resolving a connection resolves the target (the connection itself then fails: port 1).
    await db.raw('SELECT 1').catch(() => undefined);
    expect(canNameStatements(db)).toBe(true);
  });
});
