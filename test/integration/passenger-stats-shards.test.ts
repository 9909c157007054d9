import { down, up } from '../../migrations/20261201170000_passenger_stats_shards';
import { describeEachDatabase, useTestDatabase } from '../support/database-legs';

describeEachDatabase('migration 20261201170000_passenger_stats_shards', (leg) => {
  const db = useTestDatabase(leg);

  const groups = () =>
    db()('passenger_stats')
      .select(
        'passenger_class',
        'sex',
        db().raw(
          'sum(passengers)::int AS passengers, sum(survivors)::int AS survivors, trim_scale(sum(age_sum))::text AS age_sum, trim_scale(sum(fare_sum))::text AS fare_sum, max(updated_at) AS updated_at',
        ),
      )
      .groupBy('passenger_class', 'sex')
      .orderBy(['passenger_class', 'sex']);

  it('down folds each group into one row with the same sums; up keeps them', async () => {
    const at = (s: string) => new Date(`2026-12-01T${s}Z`);
    await db()('passenger_stats').insert([
      {
        passenger_class: 3,
        sex: 'male',
        shard: 0,
        passengers: 2,
        survivors: 1,
        age_sum: '40.5',
        fare_sum: '7.25',
        updated_at: at('10:00:00'),
      },
      {
        passenger_class: 3,
        sex: 'male',
        shard: 7,
        passengers: 3,
        survivors: 2,
        age_sum: '0.42',
        fare_sum: '8.05',
        updated_at: at('11:00:00'),
      },
      {
        passenger_class: 3,
        sex: 'male',
        shard: 15,
        passengers: -1,
        survivors: 0,
        age_sum: '-20',
        fare_sum: '-7.25',
        updated_at: at('09:00:00'),
      },
      {
        passenger_class: 1,
        sex: 'female',
        shard: 4,
        passengers: 1,
        survivors: 1,
        age_sum: '38',
        fare_sum: '71.2833',
        updated_at: at('12:00:00'),
      },
    ]);
    const sharded = await groups();
    expect(sharded).toEqual([
      {
        passenger_class: 1,
        sex: 'female',
        passengers: 1,
        survivors: 1,
        age_sum: '38',
        fare_sum: '71.2833',
        updated_at: at('12:00:00'),
      },
      {
        passenger_class: 3,
        sex: 'male',
        passengers: 4,
        survivors: 3,
        age_sum: '20.92',
        fare_sum: '8.05',
        updated_at: at('11:00:00'),
      },
    ]);

    await db().transaction((trx) => down(trx));
    expect(await db()('passenger_stats').count('* as n')).toEqual([{ n: '2' }]);
    expect(await groups()).toEqual(sharded);
    expect(await db().schema.hasColumn('passenger_stats', 'shard')).toBe(false);

    await db().transaction((trx) => up(trx));
    expect(await db()('passenger_stats').select('shard')).toEqual([{ shard: 0 }, { shard: 0 }]);
    expect(await groups()).toEqual(sharded);
  });
});
