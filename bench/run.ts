// `npm run bench` (full, a few minutes) and `npm run bench -- --quick` (under a minute).
// Measures against a real PostgreSQL (DATABASE_URL, else the local server) with baselines from
// the same run, starts what it needs (bundles, functions, the Pub/Sub emulator when gcloud has
// it) and stops all of it; prints a Markdown table and writes bench/results/latest.json.
// `-- --only=import,http` runs some benchmarks only; `-- --environment=development` takes the
// functions' sizing (the CPU share of the throttled cold starts) from that environment's tfvars.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emulatorUnavailable, startEmulator } from '../test/support/emulator';
import { ROOT } from '../test/support/processes';
import { benchDatabase } from './lib/database';
import { markdownTable, type Figure } from './lib/figures';
import { buildBundles } from './lib/functions';
import { importBench } from './import.bench';
import { httpBench } from './http.bench';
import { filtersBench } from './filters.bench';
import { functionsBench } from './functions.bench';
import { eventsBench } from './events.bench';
import { calibrationBench } from './calibration.bench';

export interface BenchContext {
  quick: boolean;
  db: Awaited<ReturnType<typeof benchDatabase>>;
  /** Environment that points a function at the emulator ({} when there is none). */
  eventsEnv: Record<string, string>;
  /** Why there is no emulator, when there is none. */
  noEmulator?: string;
  /** The environment whose tfvars give the functions' sizing (`--environment=`, default production). */
  environment: string;
}

/** In order: the import fills the table the HTTP benchmarks read. */
const benches: { name: string; run: (ctx: BenchContext) => Promise<Figure[]> }[] = [
  { name: 'import', run: importBench },
  { name: 'http', run: httpBench },
  { name: 'filters', run: filtersBench },
  { name: 'functions', run: functionsBench },
  { name: 'events', run: eventsBench },
  { name: 'calibration', run: calibrationBench },
];

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const environment =
    process.argv.find((a) => a.startsWith('--environment='))?.slice('--environment='.length) ??
    'production';
  const started = Date.now();
  // Only a full run replaces the committed results (the capacity model reads them); a quick or
  // partial run writes beside them, so trying one benchmark never throws the others away.
  const resultsFile = quick || only ? 'bench/results/partial.json' : 'bench/results/latest.json';
  process.stderr.write('bench: building the bundles, starting the emulator...\n');
  const noEmulator = emulatorUnavailable();
  // Its JVM takes seconds to start: it does while the bundles build and the database is made.
  const emulatorStarting = noEmulator ? undefined : startEmulator();
  emulatorStarting?.catch(() => undefined); // its failure is reported where it is awaited
  let db: Awaited<ReturnType<typeof benchDatabase>> | undefined;
  const figures: Figure[] = [];
  const failed: { bench: string; error: string }[] = [];
  try {
    await buildBundles();
    db = await benchDatabase();
    const emulator = await emulatorStarting;
    let eventsEnv: Record<string, string> = {};
    if (emulator) {
      eventsEnv = { PUBSUB_EMULATOR_HOST: emulator.host, GOOGLE_CLOUD_PROJECT: emulator.project };
      await createTopics(emulator.host, emulator.project);
    }
    for (const bench of benches) {
      if (only && !only.includes(bench.name)) continue;
      process.stderr.write(`bench: ${bench.name}...\n`);
      const began = Date.now();
      // A benchmark that fails is reported and the others still run: one failed load run
      // (a baseline timing out on a starved machine) must not throw away the figures of all.
      try {
        figures.push(...(await bench.run({ quick, db, eventsEnv, noEmulator, environment })));
      } catch (error) {
        const message = (error as Error).message ?? String(error);
        failed.push({ bench: bench.name, error: message });
        process.stderr.write(`bench: ${bench.name} failed: ${(error as Error).stack ?? message}\n`);
      }
      process.stderr.write(
        `bench: ${bench.name} took ${Math.round((Date.now() - began) / 1000)} s\n`,
      );
      // After each benchmark, so a run cut short still leaves what it measured.
      writeResults(resultsFile, { quick, started, figures, failed, complete: false });
    }
  } finally {
    await (await emulatorStarting?.catch(() => undefined))?.stop();
    await db?.drop();
  }
  const result = writeResults(resultsFile, { quick, started, figures, failed, complete: true });
  const { table } = result;
  process.stdout.write(
    `\n${table}\n\n${quick ? 'quick run' : only ? 'partial run' : 'full run'} in ${result.seconds} s; written to ${resultsFile}\n`,
  );
  if (failed.length > 0) {
    process.stderr.write(
      `bench: failed: ${failed.map((f) => `${f.bench} (${f.error})`).join('; ')}\n`,
    );
    process.exitCode = 1;
  }
}

/** Writes the results file: the figures so far, whether the run is complete, what failed. */
function writeResults(
  file: string,
  run: {
    quick: boolean;
    started: number;
    figures: Figure[];
    failed: { bench: string; error: string }[];
    complete: boolean;
  },
) {
  const table = markdownTable(run.figures);
  const result = {
    date: new Date().toISOString(),
    quick: run.quick,
    complete: run.complete,
    seconds: Math.round((Date.now() - run.started) / 1000),
    node: process.version,
    ...(run.failed.length > 0 ? { failed: run.failed } : {}),
    figures: run.figures,
    table,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, file), `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The topics functions publish to must exist on the emulator, as Terraform makes them exist. */
async function createTopics(host: string, project: string): Promise<void> {
  for (const topic of ['manifest-events', 'manifest-events-dead-letter', 'manifest-relay-tick']) {
    await fetch(`http://${host}/v1/projects/${project}/topics/${topic}`, { method: 'PUT' });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
