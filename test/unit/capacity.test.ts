import {
  capacityAt,
  maxSustainableRps,
  type CapacityModel,
  type FunctionSizing,
} from '../../bench/lib/capacity';

// Hand-sized: people does 0.6 × 1/100 + 0.2 × 1/50 + 0.2 × 1/25 = 0.018 instance-seconds per
// request/s of total traffic; project-stats 0.2/40 = 0.005; audit-log 0.2/80 = 0.0025.
const sizing = (name: string, over: Partial<FunctionSizing>): FunctionSizing => ({
  name,
  trigger: 'push',
  vcpu: 1,
  memoryGiB: 0.5,
  concurrency: 1,
  minInstances: 0,
  maxInstances: 5,
  poolSize: 5,
  ...over,
});
const figures = (throughputPerInstance: number) => ({
  throughputPerInstance,
  meanLatencyMs: 1000 / throughputPerInstance,
});
const model = (over: Partial<CapacityModel> = {}): CapacityModel => ({
  functions: [
    {
      sizing: sizing('people', { trigger: 'http', minInstances: 1, maxInstances: 20 }),
      work: [
        { kind: 'show', perRps: 0.6, figures: figures(100) },
        { kind: 'list', perRps: 0.2, figures: figures(50) },
        { kind: 'write', perRps: 0.2, figures: figures(25) },
      ],
    },
    {
      sizing: sizing('project-stats', {}),
      work: [{ kind: 'delivery', perRps: 0.2, figures: figures(40) }],
    },
    {
      sizing: sizing('audit-log', {}),
      work: [{ kind: 'delivery', perRps: 0.2, figures: figures(80) }],
    },
  ],
  database: { tier: 'db-f1-micro', maxConnections: 25, reservedConnections: 3 },
  pushDeliveryLimit: null,
  targetUtilisation: 0.6,
  ...over,
});

describe('capacity at a given load', () => {
  it('100 rps: instances to keep 60%, connections, and each limit’s use, the most used first', () => {
    const r = capacityAt(model(), 100);
    // people: busy 1.8 → ⌈1.8 / 0.6⌉ = 3; project-stats 0.5 → 1; audit-log 0.25 → 1.
    expect(r.functions.map((f) => [f.name, f.rate, f.instances, f.connections])).toEqual([
      ['people', 100, 3, 3],
      ['project-stats', 20, 1, 1],
      ['audit-log', 20, 1, 1],
    ]);
    expect(r.functions[0]!.busyInstances).toBeCloseTo(1.8, 12);
    // people: 20 × 0.6 / 0.018 = 666.7 rps; project-stats 5 × 0.6 / 0.005 = 600.
    expect(r.functions.map((f) => Math.round(f.sustainedRps * 10) / 10)).toEqual([
      666.7, 600, 1200,
    ]);
    expect(r.database).toEqual({ connections: 5, usable: 22, atMaxInstances: 30 });
    expect(r.limits.map((l) => [l.limit, l.function, Math.round(l.use * 1e4) / 1e4])).toEqual([
      ['connections', undefined, 0.2273], // 5 / 22
      ['consumer throughput', 'project-stats', 0.1667], // 0.5 / (5 × 0.6)
      ['max instances', 'people', 0.15], // 1.8 / (20 × 0.6)
      ['consumer throughput', 'audit-log', 0.0833],
    ]);
  });

  it('past max instances Cloud Run runs max instances, and that limit is used beyond 1', () => {
    // 1,000 rps: people wants ⌈18 / 0.6⌉ = 30 instances and gets 20.
    const r = capacityAt(model(), 1000);
    expect(r.functions[0]!.instances).toBe(20);
    expect(r.limits.find((l) => l.function === 'people')!.use).toBeCloseTo(18 / 12, 12);
  });

  it('min instances run at no load, and hold their connections', () => {
    const r = capacityAt(model(), 0);
    expect(r.functions.map((f) => f.instances)).toEqual([1, 0, 0]);
    expect(r.database.connections).toBe(1);
  });

  it('a connection per request in flight: min(pool, concurrency) per instance', () => {
    const m = model();
    m.functions[0]!.sizing.concurrency = 8;
    m.functions[0]!.sizing.poolSize = 5;
    expect(capacityAt(m, 100).functions[0]!.connections).toBe(15); // 3 instances × 5
  });
});

describe('the highest sustained rate and its bottleneck', () => {
  it('connections first: 480 rps needs 15 + 4 + 2 = 21 of 22; 481 needs 15 + 5 + 3 = 23', () => {
    const { rps, bottleneck } = maxSustainableRps(model());
    expect(rps).toBe(480);
    expect(bottleneck.limit).toBe('connections');
    expect(bottleneck.use).toBeCloseTo(23 / 22, 12);
  });

  it('with max_connections unknown, the consumer: project-stats at 5 × 0.6 / 0.005 = 600', () => {
    const { rps, bottleneck } = maxSustainableRps(
      model({
        database: { tier: 'db-custom-2-7680', maxConnections: null, reservedConnections: 3 },
      }),
    );
    expect(rps).toBe(600);
    expect(bottleneck).toMatchObject({ limit: 'consumer throughput', function: 'project-stats' });
  });

  it('a push delivery cap of 100/s binds at 0.2 × 500 rps', () => {
    const { rps, bottleneck } = maxSustainableRps(
      model({
        pushDeliveryLimit: 100,
        database: { tier: 'db-custom-2-7680', maxConnections: null, reservedConnections: 3 },
      }),
    );
    expect(rps).toBe(500);
    expect(bottleneck).toMatchObject({ limit: 'push delivery', function: 'project-stats' });
  });

  it('max instances binds when nothing else does: people at 20 × 0.6 / 0.018 = 666', () => {
    const m = model({ database: { tier: 'x', maxConnections: null, reservedConnections: 0 } });
    m.functions = m.functions.slice(0, 1);
    expect(maxSustainableRps(m)).toMatchObject({
      rps: 666,
      bottleneck: { limit: 'max instances', function: 'people' },
    });
  });

  it('min instances that alone hold more connections than there are: broken at 0 rps', () => {
    const m = model();
    m.functions[0]!.sizing.minInstances = 23;
    m.functions[0]!.sizing.maxInstances = 30;
    const { rps, bottleneck } = maxSustainableRps(m);
    expect(rps).toBe(0);
    expect(bottleneck.limit).toBe('connections');
    expect(bottleneck.use).toBeCloseTo(23 / 22, 12);
  });

  it('refuses inputs it cannot use, naming the function', () => {
    const m = model();
    m.functions[1]!.sizing.maxInstances = 0;
    expect(() => capacityAt(m, 1)).toThrow(/project-stats/);
    const zero = model();
    zero.functions[0]!.work[0]!.figures.throughputPerInstance = 0;
    expect(() => capacityAt(zero, 1)).toThrow(/people show/);
    expect(() => capacityAt(model({ targetUtilisation: 0 }), 1)).toThrow(/targetUtilisation/);
    expect(() => capacityAt(model(), -1)).toThrow(/rps/);
  });
});
