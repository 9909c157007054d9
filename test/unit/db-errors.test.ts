import {
  isDatabaseUnavailable,
  isUndefinedTable,
  violatedConstraint,
} from '../../shared/db/errors';

describe('database error classification', () => {
  it.each([
    { code: 'ECONNREFUSED' },
    { code: 'ENOENT' },
    { code: '57P01' },
    { code: '08006' },
    { code: '53300' },
    { name: 'KnexTimeoutError', message: 'Knex: Timeout acquiring a connection.' },
    { message: 'Connection terminated unexpectedly' },
  ])('treats %j as the database being unavailable', (error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([{ code: '23514' }, { code: '42P01' }, new Error('boom'), null, 'text'])(
    'does not treat %p as unavailability',
    (error) => {
      expect(isDatabaseUnavailable(error)).toBe(false);
    },
  );

  it('names the violated constraint', () => {
    expect(violatedConstraint({ code: '23514', constraint: 'person_age_range' })).toBe(
      'person_age_range',
    );
    expect(violatedConstraint({ code: '42P01' })).toBeUndefined();
  });

  it('tells a missing table (42P01) from any other error', () => {
    expect(isUndefinedTable({ code: '42P01' })).toBe(true);
    expect(isUndefinedTable({ code: '42P02' })).toBe(false);
    expect(isUndefinedTable({ code: 'ECONNREFUSED' })).toBe(false);
    expect(isUndefinedTable(null)).toBe(false);
  });
});
