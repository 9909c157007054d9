// `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (under a minute).
// Measures against a real PostgreSQL (DATABASE_URL, else the local server), with baselines
// from the same run; prints a Markdown table and writes bench/results/latest.json.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDatabase } from './lib/database';
import { markdownTable, type Figure } from './lib/figures';
import { ROOT } from './lib/processes';
import { importBench } from './import.bench';

export interface BenchContext {
  quick: boolean;
  db: Awaited<ReturnType<typeof benchDatabase>>;
}

const benches: { name: string; run: (ctx: BenchContext) => Promise<Figure[]> }[] = [
  { name: 'import', run: importBench },
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const started = Date.now();
  const db = await benchDatabase();
  const figures: Figure[] = [];
  try {
    for (const bench of benches) {
      if (only && !only.includes(bench.name)) continue;
      process.stderr.write(`bench: ${bench.name}...\n`);
      figures.push(...(await bench.run({ quick, db })));
    }
  } finally {
    await db.drop();
  }
  const table = markdownTable(figures);
  const result = {
    date: new Date().toISOString(),
    quick,
    seconds: Math.round((Date.now() - started) / 1000),
    node: process.version,
    figures,
    table,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\n${table}\n\n${quick ? 'quick run' : 'full run'} in ${result.seconds} s; written to bench/results/latest.json\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
