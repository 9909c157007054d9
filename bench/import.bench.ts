import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BenchContext } from './run';
import { figure, type Figure } from './lib/figures';
import { startChild } from '../test/support/processes';
import { passengerCsv } from './passengers';

const COLUMNS =
  'survived, passenger_class, name, sex, age, siblings_or_spouses_aboard, parents_or_children_aboard, fare';

/** A generated passenger file of `rows` rows (kept in the temp dir between runs). */
export async function passengerFile(rows: number, seed = 1912): Promise<string> {
  const file = join(tmpdir(), `manifest-passengers-${rows}-${seed}.csv`);
  if (!existsSync(file)) {
    await pipeline(passengerCsv(rows, seed), createWriteStream(`${file}.partial`));
    renameSync(`${file}.partial`, file);
  }
  return file;
}

/** `psql \copy` of a generated passenger file into the person table. */
export function psqlCopy(url: string, file: string): Promise<void> {
  return new Promise<void>((done, fail) => {
    const psql = spawn(
      'psql',
      [url, '-qc', `\\copy person (${COLUMNS}) FROM '${file}' WITH (FORMAT csv, HEADER)`],
      { stdio: 'inherit' },
    );
    psql.once('exit', (code) => (code === 0 ? done() : fail(new Error(`psql exited ${code}`))));
  });
}

/** The rows the import bench leaves behind, which the http bench reads (by --quick). */
export const importRows = (quick: boolean) => (quick ? 100_000 : 1_000_000);

/**
 * The person table as the import bench leaves it, for benchmarks that read it and may run
 * without it (`--only=http`): when it holds fewer rows, it is emptied and filled with the
 * same generated file by `psql \copy` (the fastest way; this is preparation, not a figure).
 * @returns the number of rows
 */
export async function ensureImportedRows(ctx: BenchContext): Promise<number> {
  const count = async () =>
    Number((await ctx.db.knex('person').count<{ n: string }[]>('* as n'))[0]!.n);
  const rows = importRows(ctx.quick);
  const found = await count();
  if (found >= rows) return found;
  process.stderr.write(`bench: loading ${rows.toLocaleString('en-US')} rows (found ${found})\n`);
  await ctx.db.knex.raw('TRUNCATE person');
  await psqlCopy(ctx.db.url, await passengerFile(rows));
  await ctx.db.knex.raw('ANALYZE person');
  return count();
}

/**
 * CSV import (`npm run import`, as a separate process) against `psql \copy` of the same file
 * into the same table, in the same run: rows/s of each, the ratio, and the importer's peak RSS.
 */
export async function importBench(ctx: BenchContext): Promise<Figure[]> {
  const rows = importRows(ctx.quick);
  const file = await passengerFile(rows);
  const truncate = () => ctx.db.knex.raw('TRUNCATE person');

  // Alternate the two, after a checkpoint each, and keep each one's best round: the disk and
  // the server's background writer add seconds of noise to any single run.
  const rounds = ctx.quick ? 1 : 2;
  let copySeconds = Infinity;
  let reported = Infinity;
  let wallSeconds = Infinity;
  let peakMiB = 0;
  for (let round = 0; round < rounds; round++) {
    await ctx.db.knex.raw('CHECKPOINT');
    await truncate();
    const psqlStarted = performance.now();
    await psqlCopy(ctx.db.url, file);
    copySeconds = Math.min(copySeconds, (performance.now() - psqlStarted) / 1000);

    await ctx.db.knex.raw('CHECKPOINT');
    await truncate();
    // node with tsx's loader in-process (not the tsx CLI, which forks), so the sampled RSS is the importer's.
    const started = performance.now();
    const importer = startChild(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], {
      DATABASE_URL: ctx.db.url,
      LOG_LEVEL: 'warn',
      // Its COPY is one statement: on a loaded machine a million rows outlast the default 15 s.
      DB_STATEMENT_TIMEOUT_MS: '3600000',
    });
    const code = await importer.exited;
    wallSeconds = Math.min(wallSeconds, (performance.now() - started) / 1000);
    if (code !== 0) throw new Error(`import exited ${code}: ${importer.output()}`);
    reported = Math.min(reported, Number(/in ([\d.]+) s/.exec(importer.output())?.[1]));
    peakMiB = Math.max(peakMiB, importer.peakMiB());
    const n = (await ctx.db.knex('person').count<{ n: string }[]>('* as n'))[0]?.n;
    if (Number(n) !== rows) throw new Error(`import wrote ${n} rows, expected ${rows}`);
  }

  const label = `${rows.toLocaleString('en-US')} rows`;
  return [
    // Wall clock against wall clock: both from spawning the process to its exit.
    figure({
      name: `CSV import of ${label} (rows/s)`,
      value: rows / wallSeconds,
      unit: 'rows/s',
      baseline: { name: 'psql \\copy', value: rows / copySeconds },
      target: { on: 'ratio', op: '>=', limit: 0.8 },
      notes: `best of ${rounds}, each process's wall clock, start-up included: the importer ${wallSeconds.toFixed(1)} s (its own timer ${reported.toFixed(1)} s), psql \\copy ${copySeconds.toFixed(1)} s`,
    }),
    figure({
      name: `CSV import of ${label}: peak RSS`,
      value: peakMiB,
      unit: 'MiB',
      target: { on: 'value', op: '<', limit: 256 },
    }),
  ];
}
