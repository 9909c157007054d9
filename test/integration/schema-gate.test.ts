import { migrateToLatest, migrationStatus, rollbackLastBatch } from '../../shared/db';
import { runMigrateCommand } from '../../shared/db/migrate-cli';
import { migrations } from '../../migrations';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';
import { useFunction } from '../support/functions';
import { request } from '../support/http';

describeEachDatabase('a function never serves against a schema with pending migrations', (leg) => {
  const db = useTestDatabase(leg);
  const people = useFunction('people');
  const health = useFunction('health');

  beforeAll(async () => {
    await rollbackLastBatch(db());
  });

  it('reads a database never migrated (no knex_migrations table) as every migration pending, creating nothing', async () => {
    await db().schema.renameTable('knex_migrations', 'knex_migrations_aside');
    try {
      const status = await migrationStatus(db());
      expect(status.applied).toEqual([]);
      expect(status.pending).toEqual(migrations.map((m) => m.name));
      expect(await db().schema.hasTable('knex_migrations')).toBe(false);
    } finally {
      await db().schema.renameTable('knex_migrations_aside', 'knex_migrations');
    }
  });

  it('migrate:status lists the pending migration and says to run npm run migrate', async () => {
    const lines: string[] = [];
    const code = await runMigrateCommand(['status'], {
      write: (s: string) => lines.push(s),
    } as never);
    expect(code).toBe(3);
    expect(lines.join('')).toMatch(
      /pending {2}20261123090000_create_person[\s\S]*run `npm run migrate`/,
    );
  });

  it('people answers 503 naming the pending migration and `npm run migrate`', async () => {
    const res = await request(`${people()}/people`);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(res.body.detail).toContain('20261123090000_create_person');
    expect(res.body.detail).toContain('npm run migrate');
  });

  it('health answers 503 with migrations: pending', async () => {
    const res = await request(`${health()}/health`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      checks: { database: 'ok', migrations: 'pending' },
    });
    expect(res.body.problems[0]).toContain('npm run migrate');
  });

  it('serves again as soon as the migrations are applied, without a restart', async () => {
    await migrateToLatest(db());
    expect((await migrationStatus(db())).pending).toEqual([]);
    expect((await request(`${people()}/people`)).status).toBe(200);
    const res = await request(`${health()}/health`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      checks: { database: 'ok', migrations: 'current' },
    });
  });
});
