import { Client } from 'pg';
import { database, readyDatabase } from '../../shared/db';
import { resetInstance } from '../../shared/runtime/testing';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';

describeEachDatabase('the schema check', (leg) => {
  useTestDatabase(leg);
  beforeEach(() => resetInstance());

  it('is made once for the requests that come while it runs (the first ones of a new instance)', async () => {
    const db = await database();
    let queries = 0;
    db.on('query', () => queries++);
    await Promise.all([readyDatabase(), readyDatabase(), readyDatabase()]);
    expect(queries).toBe(1); // the names of the applied migrations (a missing table: none)
    await readyDatabase();
    expect(queries).toBe(1);
  });
});

describeEachDatabase("a new instance's first connection", (leg) => {
  useTestDatabase(leg);
  beforeEach(() => resetInstance());

  it('sends the server only the statements asked for: knex does not ask its version', async () => {
    const sent = jest.spyOn(Client.prototype, 'query');
    try {
      const db = await database();
      await db.raw('select 1 as one');
      const texts = sent.mock.calls.map(([query]) =>
        typeof query === 'string' ? query : (query as { text: string }).text,
      );
      expect(texts).toEqual(['select 1 as one']);
    } finally {
      sent.mockRestore();
    }
  });
});
