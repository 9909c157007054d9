import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityModel } from '../../bench/lib/capacity';
import { billableFraction, SECONDS_PER_MONTH } from '../../bench/lib/cloud-run-bill';
import { monthlyCost, type CostInputs } from '../../bench/lib/cost';
import { loadPriceTable, parsePriceTable, type PriceTable } from '../../bench/lib/prices';

// Round prices, so every expectation below can be worked by hand; the committed table is
// checked separately.
const price = (usd: number | null) => ({ usd, source: 'test' });
const amount = (n: number) => ({ amount: n, source: 'test' });
const PRICES: PriceTable = parsePriceTable({
  read: '2026-12-01',
  currency: 'USD',
  about: 'test',
  cloudRun: {
    region: 'europe-west1',
    requestBased: {
      vcpuSecond: price(0.00002),
      gibSecond: price(0.000002),
      millionRequests: price(0.4),
      idleMinInstanceVcpuSecond: price(null),
      idleMinInstanceGibSecond: price(null),
    },
    instanceBased: { vcpuSecond: price(0.000018), gibSecond: price(null) },
    freeTierPerMonth: {
      vcpuSeconds: amount(180000),
      gibSeconds: amount(360000),
      requests: amount(2e6),
    },
    billingGranularityMs: amount(100),
  },
  cloudSql: {
    region: 'europe-west1',
    enterpriseVcpuHour: price(0.04),
    enterpriseGibHour: price(0.005),
    ssdStorageGibMonth: price(0.2),
    highAvailabilityFactor: { factor: 2, source: 'test' },
    sharedCoreHour: { 'db-f1-micro': price(null) },
    defaultMaxConnections: {},
  },
  pubsub: {
    throughputTib: price(40),
    freeGibPerMonth: amount(10),
    minimumBytesPerRequest: amount(1000),
  },
  logging: { ingestionGib: price(0.5), freeGibPerProjectMonth: amount(50) },
});

// One function: 50 requests/s per instance, 20 ms each, 1 vCPU, 512 MiB, concurrency 1.
const MODEL: CapacityModel = {
  functions: [
    {
      sizing: {
        name: 'people',
        trigger: 'http',
        vcpu: 1,
        memoryGiB: 0.5,
        concurrency: 1,
        minInstances: 0,
        maxInstances: 20,
        poolSize: 5,
      },
      work: [{ kind: 'all', perRps: 1, figures: { throughputPerInstance: 50, meanLatencyMs: 20 } }],
    },
  ],
  database: { tier: 'db-custom-2-7680', maxConnections: 100, reservedConnections: 3 },
  pushDeliveryLimit: null,
  targetUtilisation: 0.6,
};
const INPUTS: CostInputs = {
  billing: 'request',
  database: { tier: 'db-custom-2-7680', availability: 'ZONAL', diskGiB: 20 },
  pubsub: { publishesPerRps: 1, deliveriesPerRps: 2, messageBytes: 2000 },
  logBytesPerRequest: 20_000,
};

describe('billable time under request-based billing', () => {
  it('concurrency 1: M/M/1 busy periods, each billed about max(100 ms, B + 50 ms)', () => {
    // λ = 5/s, S = 40 ms: ρ = 0.2, 4 busy periods a second of 50 ms, each billed 100 ms.
    expect(billableFraction(5, 0.04, 1, 0.1)).toBeCloseTo(0.4, 12);
    // λ = 2/s, S = 200 ms: ρ = 0.4, 1.2 periods of 1/3 s, each billed 1/3 + 0.05 s.
    expect(billableFraction(2, 0.2, 1, 0.1)).toBeCloseTo(1.2 * (1 / 3 + 0.05), 12);
  });

  it('with concurrency, M/M/∞: busy 1 − e^{−m}, periods λe^{−m}', () => {
    // λ = 10/s, S = 100 ms, m = 1: 3.6788 periods of 0.17183 s, billed 0.22183 s: 0.81606.
    expect(billableFraction(10, 0.1, 80, 0.1)).toBeCloseTo(0.81606, 5);
  });

  it('no requests bill nothing; a saturated or much-rounded instance bills all its time', () => {
    expect(billableFraction(0, 0.02, 1, 0.1)).toBe(0);
    expect(billableFraction(60, 0.02, 1, 0.1)).toBe(1);
    expect(billableFraction(25, 0.02, 1, 0.1)).toBe(1); // 12.5 periods × 100 ms
  });
});

describe('the monthly cost', () => {
  it('2 rps on request-based billing, worked by hand', () => {
    const cost = monthlyCost(MODEL, INPUTS, 2, PRICES);
    // One instance (busy 0.04): λ = 2/s, S = 20 ms, ρ = 0.04, 1.92 periods a second of
    // 20.8 ms, each billed 100 ms: 0.192 of the month.
    const billed = 0.192 * SECONDS_PER_MONTH; // 504,576 s
    const people = cost.cloudRun.functions[0]!;
    expect(people.vcpuSeconds).toBeCloseTo(billed, 6);
    expect(people.gibSeconds).toBeCloseTo(billed / 2, 6);
    expect(people.requests).toBe(2 * SECONDS_PER_MONTH);
    // 504,576 × 0.00002 + 252,288 × 0.000002 + 5.256 × 0.4 = 10.09152 + 0.504576 + 2.1024
    expect(people.usd).toBeCloseTo(12.698496, 6);
    // Free: 180,000 × 0.00002 + 252,288 × 0.000002 + 2 × 0.4 = 3.6 + 0.504576 + 0.8
    expect(cost.cloudRun.freeTierUsd).toBeCloseTo(4.904576, 6);
    // 730 h × (2 × 0.04 + 7.5 × 0.005) + 20 × 0.2 = 58.4 + 27.375 + 4
    expect(cost.cloudSqlUsd).toBeCloseTo(89.775, 9);
    // 6 requests/s × 2,000 B × 2,628,000 s = 31,536,000,000 B = 29.370189 GiB: 19.370189 over
    // the free 10, at $40/TiB.
    expect(cost.pubsub.gib).toBeCloseTo(29.370189, 6);
    expect(cost.pubsub.usd).toBeCloseTo(0.756648, 6);
    // 2/s × 20,000 B × 2,628,000 s = 105,120,000,000 B = 97.900629 GiB: 47.900629 over the free
    // 50, at $0.50.
    expect(cost.logging.gib).toBeCloseTo(97.900629, 6);
    expect(cost.logging.usd).toBeCloseTo(23.950315, 6);
    expect(cost.pricedUsd).toBeCloseTo(12.698496 - 4.904576 + 89.775 + 0.756648 + 23.950315, 5);
    expect(cost.unpriced).toEqual([]);
  });

  it('Pub/Sub bills at least 1,000 bytes a request: 600-byte messages cost as 1,000', () => {
    const small = { ...INPUTS, pubsub: { ...INPUTS.pubsub, messageBytes: 600 } };
    // 6 requests/s × 1,000 B × 2,628,000 s = 15,768,000,000 B.
    expect(monthlyCost(MODEL, small, 2, PRICES).pubsub.gib).toBeCloseTo(14.685094, 6);
  });

  it('idle min instances and a REGIONAL standby are priced when the table has them, named when not', () => {
    const model = structuredClone(MODEL);
    model.functions[0]!.sizing.minInstances = 1;
    const regional = {
      ...INPUTS,
      database: { ...INPUTS.database, availability: 'REGIONAL' as const },
    };
    const cost = monthlyCost(model, regional, 2, PRICES);
    expect(cost.cloudSqlUsd).toBeCloseTo(2 * 89.775, 9);
    // Idle: 1 − 0.192 of the month, unpriced in this table.
    expect(cost.cloudRun.functions[0]!.idleInstanceSeconds).toBeCloseTo(
      0.808 * SECONDS_PER_MONTH,
      6,
    );
    expect(cost.unpriced).toEqual(['idle min instances (vCPU)', 'idle min instances (memory)']);

    const idlePriced = structuredClone(PRICES);
    idlePriced.cloudRun.requestBased.idleMinInstanceVcpuSecond.usd = 0.0000025;
    idlePriced.cloudRun.requestBased.idleMinInstanceGibSecond.usd = 0.0000025;
    idlePriced.cloudSql.highAvailabilityFactor.factor = null;
    const priced = monthlyCost(model, regional, 2, idlePriced);
    // 0.808 × 2,628,000 × (1 + 0.5) × 0.0000025 = 5.30856 + 2.65428 more than before.
    expect(priced.cloudRun.functions[0]!.usd).toBeCloseTo(12.698496 + 7.96284, 6);
    expect(priced.cloudSqlUsd).toBeCloseTo(89.775, 9);
    expect(priced.unpriced).toEqual(['Cloud SQL standby (REGIONAL)']);
  });

  it('instance-based billing: every instance all month, no request fee, no free tier', () => {
    const cost = monthlyCost(MODEL, { ...INPUTS, billing: 'instance' }, 2, PRICES);
    const people = cost.cloudRun.functions[0]!;
    expect(people.vcpuSeconds).toBe(SECONDS_PER_MONTH);
    expect(people.requests).toBe(0);
    expect(people.usd).toBeCloseTo(SECONDS_PER_MONTH * 0.000018, 9); // memory unpriced
    expect(cost.cloudRun.freeTierUsd).toBe(0);
    expect(cost.unpriced).toEqual(['Cloud Run memory (instance-based)']);
  });

  it('a shared-core tier without a price leaves Cloud SQL compute unpriced, storage priced', () => {
    const cost = monthlyCost(
      MODEL,
      { ...INPUTS, database: { tier: 'db-f1-micro', availability: 'ZONAL', diskGiB: 10 } },
      2,
      PRICES,
    );
    expect(cost.cloudSqlUsd).toBeCloseTo(2, 12);
    expect(cost.unpriced).toEqual(['Cloud SQL db-f1-micro']);
  });
});

describe('the committed price table', () => {
  it('is valid, dated, and names a source for every figure', () => {
    const table = loadPriceTable();
    expect(table.read).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const sources = JSON.stringify(table).match(/"source":"[^"]+"/g) ?? [];
    const figures = JSON.stringify(table).match(/"(usd|amount|factor|connections)":/g) ?? [];
    expect(sources).toHaveLength(figures.length);
  });

  it('is refused, naming the field, when a price is negative or has no source', () => {
    const raw = JSON.parse(readFileSync(join(__dirname, '../../bench/prices.json'), 'utf8'));
    raw.cloudRun.requestBased.vcpuSecond.usd = -1;
    expect(() => parsePriceTable(raw)).toThrow(/vcpuSecond/);
    delete raw.pubsub.throughputTib.source;
    raw.cloudRun.requestBased.vcpuSecond.usd = 0.000024;
    expect(() => parsePriceTable(raw)).toThrow(/throughputTib/);
  });
});
