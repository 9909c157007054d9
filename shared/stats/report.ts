import type { Knex } from 'knex';

/** One group's figures. Rates and averages are null for an empty group. */
export interface GroupFigures {
  passengers: number;
  survivors: number;
  survivalRate: number | null;
  averageAge: number | null;
  averageFare: number | null;
}

/** What `GET /stats` serves. */
export interface StatsReport {
  total: GroupFigures;
  byClass: ({ passengerClass: number } & GroupFigures)[];
  bySex: ({ sex: string } & GroupFigures)[];
  byClassAndSex: ({ passengerClass: number; sex: string } & GroupFigures)[];
  updatedAt: string | null;
}

interface StatsRow {
  passenger_class: number;
  sex: string;
  passengers: string;
  survivors: string;
  age_sum: string;
  fare_sum: string;
  updated_at: Date;
}

interface Sums {
  passengers: number;
  survivors: number;
  age: number;
  fare: number;
}

const round = (value: number, places: number) => Math.round(value * 10 ** places) / 10 ** places;

function figures(s: Sums): GroupFigures {
  const some = s.passengers > 0;
  return {
    passengers: s.passengers,
    survivors: s.survivors,
    survivalRate: some ? round(s.survivors / s.passengers, 4) : null,
    averageAge: some ? round(s.age / s.passengers, 2) : null,
    averageFare: some ? round(s.fare / s.passengers, 4) : null,
  };
}

function sum(rows: Sums[]): Sums {
  return rows.reduce(
    (a, r) => ({
      passengers: a.passengers + r.passengers,
      survivors: a.survivors + r.survivors,
      age: a.age + r.age,
      fare: a.fare + r.fare,
    }),
    { passengers: 0, survivors: 0, age: 0, fare: 0 },
  );
}

/** Reads the read model and derives counts, survival rates and averages by class, by sex, by both. */
export async function readStats(db: Knex): Promise<StatsReport> {
  // A group's shards summed (migrations/20261201170000_passenger_stats_shards.ts).
  const rows: StatsRow[] = await db('passenger_stats')
    .select<StatsRow[]>(
      'passenger_class',
      'sex',
      db.raw(`sum(passengers) AS passengers, sum(survivors) AS survivors,
        sum(age_sum) AS age_sum, sum(fare_sum) AS fare_sum, max(updated_at) AS updated_at`),
    )
    .groupBy('passenger_class', 'sex')
    .havingRaw('sum(passengers) > 0')
    .orderBy(['passenger_class', 'sex']);
  const groups = rows.map((r) => ({
    passengerClass: r.passenger_class,
    sex: r.sex,
    sums: {
      passengers: Number(r.passengers),
      survivors: Number(r.survivors),
      age: Number(r.age_sum),
      fare: Number(r.fare_sum),
    },
  }));
  const classes = [...new Set(groups.map((g) => g.passengerClass))].sort();
  const sexes = [...new Set(groups.map((g) => g.sex))].sort();
  const updated = rows.reduce<Date | null>(
    (latest, r) => (!latest || r.updated_at > latest ? r.updated_at : latest),
    null,
  );
  return {
    total: figures(sum(groups.map((g) => g.sums))),
    byClass: classes.map((c) => ({
      passengerClass: c,
      ...figures(sum(groups.filter((g) => g.passengerClass === c).map((g) => g.sums))),
    })),
    bySex: sexes.map((s) => ({
      sex: s,
      ...figures(sum(groups.filter((g) => g.sex === s).map((g) => g.sums))),
    })),
    byClassAndSex: groups.map((g) => ({
      passengerClass: g.passengerClass,
      sex: g.sex,
      ...figures(g.sums),
    })),
    updatedAt: updated ? new Date(updated).toISOString() : null,
  };
}
