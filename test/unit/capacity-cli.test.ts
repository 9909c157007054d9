import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildCapacityModel,
  capacityAnswer,
  parseCapacityArgs,
  UsageError,
} from '../../bench/lib/capacity-cli';
import {
  environments,
  readEnvironment,
  optionalDefaults,
  UnknownEnvironmentError,
} from '../../bench/lib/deployment-config';
import type { Figure } from '../../bench/lib/figures';
import {
  MissingFiguresError,
  readInstanceCurves,
  readMeasuredFigures,
} from '../../bench/lib/measured-figures';
import type { InstanceCurves } from '../../bench/lib/service-model';
import { loadPriceTable } from '../../bench/lib/prices';

const ROOT = join(__dirname, '../..');
const RESULTS = JSON.parse(readFileSync(join(ROOT, 'bench/results/latest.json'), 'utf8')) as {
  figures: Figure[];
};
const PRICES = loadPriceTable();

describe('the command line', () => {
  it('defaults: every environment, --max, 20% writes and 20% lists', () => {
    expect(parseCapacityArgs([])).toEqual({ max: true, writeShare: 0.2, listShare: 0.2 });
  });

  it('reads --env, --rps, the shares, --log-bytes and --spike', () => {
    expect(
      parseCapacityArgs([
        '--env',
        'production',
        '--rps',
        '2000',
        '--write-share',
        '0.1',
        '--list-share=0.3',
        '--log-bytes',
        '800',
        '--spike',
        '0:500',
      ]),
    ).toEqual({
      env: 'production',
      rps: 2000,
      max: false,
      writeShare: 0.1,
      listShare: 0.3,
      logBytes: 800,
      spike: { fromRps: 0, toRps: 500 },
    });
  });

  it.each([
    [['--rps', 'lots'], '--rps must be a number >= 0, got "lots"'],
    [['--rps=-5'], '--rps must be a number >= 0, got "-5"'],
    [['--write-share', '1.5'], '--write-share must be a number from 0 to 1, got "1.5"'],
    [
      ['--write-share', '0.6', '--list-share', '0.6'],
      '--write-share + --list-share must be at most 1, got 1.2',
    ],
    [['--rps', '10', '--max'], 'give --rps or --max, not both'],
    [['--spike', '500'], '--spike must be <from>:<to> rps with <to> > 0, got "500"'],
    [['--env', '../etc'], '--env must be an environment name like "production", got "../etc"'],
    [['--rsp', '10'], "Unknown option '--rsp'"],
  ])('%j is refused: %s', (argv, message) => {
    expect(() => parseCapacityArgs(argv)).toThrow(UsageError);
    expect(() => parseCapacityArgs(argv)).toThrow(message);
  });
});

describe('an environment read from Terraform', () => {
  it("the sizing defaults are the cloud-function module's optional() defaults", () => {
    const tf = readFileSync(join(ROOT, 'terraform/modules/cloud-function/variables.tf'), 'utf8');
    expect(optionalDefaults(tf, 'sizing')).toEqual({
      memory: '256Mi',
      timeout_seconds: 60,
      min_instances: 0,
      max_instances: 10,
      concurrency: 1,
      db_pool_max: 1,
    });
  });

  it('production: people as its tfvars sizes it, health with the defaults it leaves unset', async () => {
    const env = await readEnvironment(ROOT, 'production');
    const people = env.functions.find((f) => f.name === 'people')!;
    expect(people).toEqual({
      name: 'people',
      kind: 'http',
      memory: '512Mi',
      cpu: '1',
      vcpu: 1,
      memoryGiB: 0.5,
      concurrency: 16,
      dbPoolMax: 5,
      minInstances: 1,
      maxInstances: 10,
    });
    const health = env.functions.find((f) => f.name === 'health')!;
    expect([health.memory, health.minInstances, health.maxInstances]).toEqual(['256Mi', 0, 2]);
    expect(env.functions.map((f) => [f.name, f.kind])).toEqual([
      ['audit-log', 'event'],
      ['health', 'http'],
      ['people', 'http'],
      ['project-stats', 'event'],
      ['relay-outbox', 'event'],
      ['stats', 'http'],
    ]);
    expect(env.database).toEqual({
      tier: 'db-custom-2-7680',
      maxConnections: 200,
      availability: 'REGIONAL',
      diskGiB: 20,
    });
    expect(env.reservedConnections).toBe(8);
  });

  it('an unknown environment is named, with the known ones', async () => {
    await expect(readEnvironment(ROOT, 'staging')).rejects.toThrow(UnknownEnvironmentError);
    await expect(readEnvironment(ROOT, 'staging')).rejects.toThrow(
      'unknown environment "staging": known are development, production, testing',
    );
  });
});

describe('figures read from the benchmark results', () => {
  const full: Figure[] = [
    {
      name: 'GET /people/{uuid} (requests/s)',
      value: 1000,
      unit: 'req/s',
      notes: 'function p50 9 ms, p99 37 ms',
    },
    {
      name: 'POST /people with its outbox row (requests/s)',
      value: 500,
      unit: 'req/s',
      notes: 'function p50 18 ms, p99 62 ms',
    },
    {
      name: 'GET /people?limit=100, 900 rows deep (p50 latency)',
      value: 6,
      unit: 'ms',
      notes: 'deep 993 req/s (p50 6 ms)',
    },
    {
      name: 'cold start: people (median of 10)',
      value: 636,
      unit: 'ms',
      notes: 'range 608 to 645 ms',
    },
    {
      name: 'events/s through project-stats, 2 at a time (in-process)',
      value: 1400,
      unit: 'events/s',
    },
    {
      name: 'audit-log: peak RSS under load',
      value: 126,
      unit: 'MiB',
      notes: '942 req/s for 8 s, 16 connections (push deliveries)',
    },
  ];

  it('at full CPU when nothing was measured at the deployed share, and says so', () => {
    const f = readMeasuredFigures(full, 'production');
    expect(f.read.throughput).toEqual({
      value: 1000,
      from: 'GET /people/{uuid} (requests/s)',
      deployedShare: false,
    });
    expect(f.read.latencyMs.value).toBe(9);
    expect([f.list.throughput.value, f.list.latencyMs.value]).toEqual([993, 6]);
    expect([f.coldStart.minMs, f.coldStart.medianMs.value, f.coldStart.maxMs]).toEqual([
      608, 636, 645,
    ]);
    expect(f.projectStats.latencyMs.value).toBeCloseTo((2 / 1400) * 1000, 9);
    expect(f.auditLog.throughput.value).toBe(942);
    expect(f.auditLog.latencyMs.value).toBeCloseTo((16 / 942) * 1000, 9);
  });

  it("the environment's deployed-share figure wins over the full-CPU one", () => {
    const atShare: Figure = {
      name: "GET /people/{uuid} at production's CPU share, 1 vCPU: our code on the framework (requests/s)",
      value: 700,
      unit: 'req/s',
      notes: 'function p50 20 ms, p99 60 ms; floor p50 15 ms',
    };
    const f = readMeasuredFigures([...full, atShare], 'production');
    expect(f.read.throughput).toEqual({ value: 700, from: atShare.name, deployedShare: true });
    expect(f.read.latencyMs.value).toBe(20);
    // Another environment's share is not this one's.
    expect(readMeasuredFigures([...full, atShare], 'testing').read.throughput.value).toBe(1000);
  });

  it('a missing figure is named with the command that produces it, never filled in', () => {
    const without = full.filter((f) => !f.name.startsWith('POST'));
    expect(() => readMeasuredFigures(without, 'production')).toThrow(MissingFiguresError);
    expect(() => readMeasuredFigures(without, 'production')).toThrow(
      'POST /people requests/s: run `npm run bench -- --only=http`',
    );
  });

  it('a figure whose notes lack the latency is reported, not guessed', () => {
    const bare = full.map((f) =>
      f.name.startsWith('GET /people/{uuid}') ? { ...f, notes: '' } : f,
    );
    expect(() => readMeasuredFigures(bare, 'production')).toThrow(
      'GET /people/{uuid} p50 in the notes of "GET /people/{uuid} (requests/s)"',
    );
  });
});

describe("the spike model's curves", () => {
  const curves = (wake: number): InstanceCurves => ({
    wake,
    warmUp: { served: [25, 75], scale: [3, 2] },
    referenceMs: 0.9,
    vcpu: 0.1,
  });
  const calibration = (c?: InstanceCurves): Figure => ({
    name: 'calibration: p50 latency of a 0 → 143 rps step on people, simulated',
    value: 68,
    unit: 'ms',
    ...(c ? { curves: c } : {}),
  });
  const p99: Figure = {
    name: 'calibration: p99 latency of a 0 → 143 rps step on people, simulated',
    value: 1749,
    unit: 'ms',
  };

  it('come from the first results file whose calibration carries them, named with its date', () => {
    // A calibration written before the wake was measured carries a load curve instead.
    const before = {
      ...calibration(),
      curves: {
        load: { inFlight: [1.5, 16], scale: [2.5, 1] },
        warmUp: { served: [25], scale: [3] },
        referenceMs: 0.9,
        vcpu: 0.1,
      },
    } as unknown as Figure;
    const found = readInstanceCurves([
      {
        file: 'bench/results/latest.json',
        date: '2026-12-01T22:42',
        figures: [calibration(), before, p99],
      },
      {
        file: 'bench/results/calibration.json',
        date: '2026-12-02T02:10',
        figures: [p99, calibration(curves(2.5))],
      },
      { file: 'other.json', date: 'later', figures: [calibration(curves(9))] },
    ]);
    expect(found.curves).toEqual(curves(2.5));
    expect(found.from).toBe(
      'bench/results/calibration.json (2026-12-02T02:10), "calibration: p50 latency of a 0 → 143 rps step on people, simulated"',
    );
  });

  it('missing from every file, they are reported with the command that measures them', () => {
    const read = () =>
      readInstanceCurves([
        { file: 'bench/results/latest.json', date: 'd', figures: [calibration()] },
        { file: 'bench/results/calibration.json', date: 'd', figures: [] },
      ]);
    expect(read).toThrow(MissingFiguresError);
    expect(read).toThrow(
      "the calibration's wake and warm-up curves (in none of bench/results/latest.json, bench/results/calibration.json): run `npm run bench -- --only=calibration`",
    );
  });
});

describe('the model an environment and the figures make', () => {
  it('people serves the mix, each consumer one event per write, the others none of it', async () => {
    const env = await readEnvironment(ROOT, 'production');
    const figures = readMeasuredFigures(RESULTS.figures, 'production');
    const { model, inputs } = buildCapacityModel(
      env,
      figures,
      { writeShare: 0.1, listShare: 0.3 },
      PRICES,
    );
    const perRps = (name: string) =>
      model.functions
        .find((f) => f.sizing.name === name)!
        .work.map((w) => [w.kind, Math.round(w.perRps * 1e9) / 1e9]);
    expect(perRps('people')).toEqual([
      ['GET /people/{uuid}', 0.6],
      ['GET /people?limit=100', 0.3],
      ['POST /people', 0.1],
    ]);
    expect(perRps('project-stats')).toEqual([['person event', 0.1]]);
    expect(perRps('audit-log')).toEqual([['person event', 0.1]]);
    expect(perRps('stats')).toEqual([]);
    expect(model.database).toEqual({
      tier: 'db-custom-2-7680',
      maxConnections: 200,
      reservedConnections: 8,
    });
    expect(inputs.pubsub).toEqual({
      publishesPerRps: 0.1,
      deliveriesPerRps: 0.2,
      messageBytes: 1000,
    });
  });

  it.each(environments(ROOT))('%s answers from the committed results', async (name) => {
    const env = await readEnvironment(ROOT, name);
    const figures = readMeasuredFigures(RESULTS.figures, name);
    const answer = capacityAnswer(env, figures, parseCapacityArgs([]), PRICES);
    expect(answer).toMatch(
      new RegExp(`^${name}: highest sustained rate [\\d,]+ requests/s; bottleneck `),
    );
    expect(answer).toContain('total of the priced lines: $');
  });
});
