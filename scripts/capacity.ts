// `npm run capacity -- --env production --rps 2000`: how far an environment's configuration
// scales, what breaks first and what it costs a month, from its tfvars, the committed benchmark
// figures (bench/results/latest.json; the spike's curves from its calibration, else from
// bench/results/calibration.json) and the dated price table (bench/prices.json). Wiring only:
// the model and its reading live in bench/lib/ (capacity-cli.ts says what each option means).
// Exit 2: bad arguments or an unknown environment; 1: figures missing from the results.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { capacityAnswer, parseCapacityArgs, USAGE, UsageError } from '../bench/lib/capacity-cli';
import {
  environments,
  readEnvironment,
  UnknownEnvironmentError,
} from '../bench/lib/deployment-config';
import type { Figure } from '../bench/lib/figures';
import {
  MissingFiguresError,
  readInstanceCurves,
  readMeasuredFigures,
  type MeasuredCurves,
  type ResultsFile,
} from '../bench/lib/measured-figures';
import { loadPriceTable } from '../bench/lib/prices';
import { writeSpikeChart } from '../bench/lib/spike-run';

const ROOT = resolve(__dirname, '..');

async function main(): Promise<number> {
  let options;
  try {
    options = parseCapacityArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`capacity: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const readResults = (file: string): ResultsFile => ({
    file,
    ...(JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { date: string; figures: Figure[] }),
  });
  const results = readResults('bench/results/latest.json');
  // Read once, and only for --spike: the full run's calibration first, else the calibration run
  // kept on its own.
  let spikeCurves: MeasuredCurves | undefined;
  const curves = () =>
    (spikeCurves ??= readInstanceCurves([results, readResults('bench/results/calibration.json')]));
  const prices = loadPriceTable();
  for (const name of options.env ? [options.env] : environments(ROOT)) {
    try {
      const env = await readEnvironment(ROOT, name);
      const figures = readMeasuredFigures(results.figures, name);
      process.stdout.write(`${capacityAnswer(env, figures, options, prices)}\n`);
      process.stdout.write(`  (benchmark run of ${results.date})\n\n`);
      if (options.spike) {
        const written = writeSpikeChart(ROOT, env, figures, curves(), options.spike);
        process.stdout.write(`${written}\n\n`);
      }
    } catch (error) {
      if (error instanceof UnknownEnvironmentError) {
        process.stderr.write(`capacity: ${error.message}\n`);
        return 2;
      }
      if (error instanceof MissingFiguresError) {
        process.stderr.write(`capacity: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`capacity: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
