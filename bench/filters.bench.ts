import type { BenchContext } from './run';
import { figure, type Figure } from './lib/figures';
import { ensureImportedRows } from './import.bench';
import { listPeople, listQuery } from '../shared/people/repository';
import type { ListFilter } from '../shared/people/schema';

/**
 * Issue 17: a filtered page deep in the list against the first page of the same filters, on
 * the imported table. Keyset pagination with the filters' indexes (migrations/…_person_filters)
 * should make the deep page cost what the first does. Measured as the query the people
 * function runs (listPeople), alternating first and deep pages, p50 of each.
 */
export async function filtersBench(ctx: BenchContext): Promise<Figure[]> {
  const rounds = ctx.quick ? 20 : 100;
  await ensureImportedRows(ctx);
  await ctx.db.knex.raw('ANALYZE person');
  const cases: [string, ListFilter][] = [
    [
      'passengerClass=1&sex=female&survived=true',
      { passengerClass: 1, sex: 'female', survived: true },
    ],
    ['name=skoog', { name: 'skoog' }],
  ];
  const figures: Figure[] = [];
  for (const [query, filter] of cases) {
    const matches = Number(
      (
        await listQuery(ctx.db.knex, { limit: 0, filter })
          .clear('select')
          .clear('order')
          .clear('limit')
          .count<{ n: string }[]>('* as n')
      )[0]!.n,
    );
    const depth = Math.floor(matches * 0.9);
    const [row] = await listQuery(ctx.db.knex, { limit: 0, filter })
      .clear('select')
      .select('id')
      .offset(depth)
      .limit(1);
    const after = (row as { id: string }).id;
    const first: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < rounds; i++) {
      first.push(await timed(() => listPeople(ctx.db.knex, { limit: 100, filter })));
      deep.push(await timed(() => listPeople(ctx.db.knex, { limit: 100, after, filter })));
    }
    const [p50First, p50Deep] = [median(first), median(deep)];
    figures.push(
      figure({
        name: `GET /people?${query}, a page ${depth.toLocaleString('en-US')} matches deep (p50 query time)`,
        value: p50Deep,
        unit: 'ms',
        baseline: { name: 'the first page of the same filters', value: p50First },
        target: { on: 'ratio', op: '<=', limit: 1.5 },
        notes: `${matches.toLocaleString('en-US')} matching rows; ${rounds} rounds each, alternating`,
      }),
    );
  }
  return figures;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.floor(sorted.length / 2)]! * 100) / 100;
}
