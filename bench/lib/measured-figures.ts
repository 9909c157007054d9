import type { Figure } from './figures';
import type { InstanceCurves } from './service-model';

/**
 * The per-instance figures the capacity model needs, read by name from the committed benchmark
 * results (bench/results/latest.json). Each prefers the figure measured at the environment's
 * deployed CPU share (the throttled harness) and falls back to the full-CPU one, saying so; a
 * figure found under neither name is reported missing with the command that produces it, and
 * never filled in.
 */

/** One number the model uses, and the figure it came from. */
export interface MeasuredFigure {
  value: number;
  /** The benchmark figure's name, exactly as in latest.json. */
  from: string;
  /** Measured at the deployed CPU share (false: at the bench machine's full CPU). */
  deployedShare: boolean;
}

/** What the capacity and spike models read for the people function and the consumers. */
export interface MeasuredFigures {
  /** GET /people/{uuid}: requests/s of one instance, and its mean latency (ms). */
  read: { throughput: MeasuredFigure; latencyMs: MeasuredFigure };
  /** GET /people?limit=100. */
  list: { throughput: MeasuredFigure; latencyMs: MeasuredFigure };
  /** POST /people with its outbox row. */
  write: { throughput: MeasuredFigure; latencyMs: MeasuredFigure };
  /** people's cold start: median, with the measured range. */
  coldStart: { medianMs: MeasuredFigure; minMs: number; maxMs: number };
  /** Events/s one project-stats instance projects, and one audit-log instance records. */
  projectStats: { throughput: MeasuredFigure; latencyMs: MeasuredFigure };
  auditLog: { throughput: MeasuredFigure; latencyMs: MeasuredFigure };
}

/** Figures the results lack, each with how to produce it. */
export class MissingFiguresError extends Error {
  constructor(readonly missing: string[]) {
    super(
      `bench/results/latest.json lacks figures the model needs:\n${missing
        .map((m) => `  - ${m}`)
        .join('\n')}`,
    );
  }
}

/** A number written in a figure's notes, e.g. `p50 9 ms` or `942 req/s`. */
function fromNotes(f: Figure, pattern: RegExp): number | undefined {
  const m = pattern.exec(f.notes ?? '');
  return m ? Number(m[1]!.replace(/,/g, '')) : undefined;
}

/** Reads the model's figures for environment `env` from the results' figure list. */
export function readMeasuredFigures(figures: readonly Figure[], env: string): MeasuredFigures {
  const missing: string[] = [];
  const atShare = `at ${env}'s CPU share`;
  /** The first figure whose name matches, deployed share first. */
  const find = (
    what: string,
    produce: string,
    deployed: (name: string) => boolean,
    full: (name: string) => boolean,
  ): { figure: Figure; deployedShare: boolean } | undefined => {
    const d = figures.find((f) => deployed(f.name));
    if (d) return { figure: d, deployedShare: true };
    const f = figures.find((x) => full(x.name));
    if (f) return { figure: f, deployedShare: false };
    missing.push(`${what}: run \`${produce}\``);
    return undefined;
  };
  const measured = (
    found: { figure: Figure; deployedShare: boolean } | undefined,
    value: number | undefined,
    what: string,
  ): MeasuredFigure => {
    if (found && value === undefined)
      missing.push(`${what} in the notes of "${found.figure.name}"`);
    return {
      value: value ?? NaN,
      from: found?.figure.name ?? '',
      deployedShare: !!found?.deployedShare,
    };
  };

  const http = 'npm run bench -- --only=http';
  const get = find(
    'GET /people/{uuid} requests/s',
    http,
    (n) => n.startsWith(`GET /people/{uuid} ${atShare}`) && n.includes('our code on the framework'),
    (n) => n === 'GET /people/{uuid} (requests/s)',
  );
  const post = find(
    'POST /people requests/s',
    http,
    (n) => n.startsWith(`POST /people ${atShare}`) && n.includes('our code and the outbox'),
    (n) => n === 'POST /people with its outbox row (requests/s)',
  );
  const list = find(
    'GET /people?limit=100 requests/s',
    http,
    (n) => n.startsWith(`GET /people?limit=100 ${atShare}`),
    (n) => n.startsWith('GET /people?limit=100, ') && n.endsWith('(p50 latency)'),
  );
  const cold = find(
    'cold start of people',
    'npm run bench -- --only=functions',
    (n) => n.startsWith(`cold start ${atShare}: people,`),
    (n) => n.startsWith('cold start: people ('),
  );
  const stats = find(
    'events/s through project-stats',
    'npm run bench -- --only=events',
    (n) => n.startsWith(`events/s through project-stats ${atShare}`),
    (n) => n === 'events/s through project-stats, 2 at a time (in-process)',
  );
  const audit = find(
    'audit-log push deliveries/s',
    'npm run bench -- --only=functions',
    (n) => n.startsWith(`audit-log ${atShare}: peak RSS under load`),
    (n) => n === 'audit-log: peak RSS under load',
  );

  const p50 = /p50 ([\d.,]+) ms/;
  const pair = (found: typeof get, what: string) => ({
    throughput: measured(found, found?.figure.value, `${what} requests/s`),
    latencyMs: measured(found, found && fromNotes(found.figure, p50), `${what} p50`),
  });
  // The list figure's value is its p50; its requests/s are in the notes ("deep 993 req/s").
  const listDeep = list && /\(p50 latency\)$/.test(list.figure.name);
  const result: MeasuredFigures = {
    read: pair(get, 'GET /people/{uuid}'),
    write: pair(post, 'POST /people'),
    list: listDeep
      ? {
          throughput: measured(list, fromNotes(list.figure, /deep ([\d,]+) req\/s/), 'list req/s'),
          latencyMs: measured(list, list.figure.value, 'list p50'),
        }
      : pair(list, 'GET /people?limit=100'),
    coldStart: {
      medianMs: measured(cold, cold?.figure.value, 'cold start median'),
      minMs: (cold && fromNotes(cold.figure, /range ([\d,]+) to/)) ?? NaN,
      maxMs: (cold && fromNotes(cold.figure, /range [\d,]+ to ([\d,]+) ms/)) ?? NaN,
    },
    projectStats: {
      throughput: measured(stats, stats?.figure.value, 'project-stats events/s'),
      // Little's law: 2 deliveries in flight at that rate.
      latencyMs: measured(stats, stats && (2 / stats.figure.value) * 1000, 'project-stats latency'),
    },
    auditLog: (() => {
      const rate = audit && fromNotes(audit.figure, /([\d,]+) req\/s/);
      const inFlight = audit && fromNotes(audit.figure, /(\d+) connections/);
      return {
        throughput: measured(audit, rate, 'audit-log deliveries/s'),
        latencyMs: measured(
          audit,
          rate && inFlight ? (inFlight / rate) * 1000 : undefined,
          'audit-log latency (connections / req/s)',
        ),
      };
    })(),
  };
  if (cold && (Number.isNaN(result.coldStart.minMs) || Number.isNaN(result.coldStart.maxMs))) {
    missing.push(`cold start range ("range A to B ms") in the notes of "${cold.figure.name}"`);
  }
  if (missing.length) throw new MissingFiguresError([...new Set(missing)]);
  return result;
}

/** A results file: its path in the repository, its run's date and its figures. */
export interface ResultsFile {
  file: string;
  date: string;
  figures: readonly Figure[];
}

/** The calibration's curves and where they were read. */
export interface MeasuredCurves {
  curves: InstanceCurves;
  /** The file, its run's date and the figure's name. */
  from: string;
}

/**
 * The calibration's wake and warm-up curves, from the first results file (in the order given)
 * whose calibration figure carries them (a figure written before the wake was measured, with a
 * load curve instead, does not); a MissingFiguresError naming the command that measures
 * them if none does. The spike model needs them; the capacity model does not.
 */
export function readInstanceCurves(files: readonly ResultsFile[]): MeasuredCurves {
  for (const { file, date, figures } of files) {
    const found = figures.find(
      (f) => f.name.startsWith('calibration: ') && typeof f.curves?.wake === 'number',
    );
    if (found) return { curves: found.curves!, from: `${file} (${date}), "${found.name}"` };
  }
  throw new MissingFiguresError([
    `the calibration's wake and warm-up curves (in none of ${files.map((f) => f.file).join(', ')}): run \`npm run bench -- --only=calibration\` and keep its bench/results/partial.json as bench/results/calibration.json`,
  ]);
}
