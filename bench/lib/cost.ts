import { capacityAt, type CapacityModel } from './capacity';
import { freeTier, functionCost, SECONDS_PER_MONTH, type FunctionCost } from './cloud-run-bill';
import { priced, type PriceTable } from './prices';

/**
 * A month's bill at a steady request rate, from the capacity model and the price table
 * (bench/prices.json). A line whose price is not in the table is left out of the total and
 * named in `unpriced`: the total is never padded with a guess.
 */

const GIB = 2 ** 30;
const TIB = 2 ** 40;

/** What the cost needs beyond the capacity model. */
export interface CostInputs {
  /** Cloud Run billing: `request` (the default: CPU only while requests run) or `instance`. */
  billing: 'request' | 'instance';
  database: {
    tier: string;
    availability: 'ZONAL' | 'REGIONAL';
    diskGiB: number;
  };
  /** Messages published, and pushes delivered, per request/s of total traffic. */
  pubsub: { publishesPerRps: number; deliveriesPerRps: number; messageBytes: number };
  /** Bytes of logs ingested per request or delivery (the app's lines and Cloud Run's own). */
  logBytesPerRequest: number;
}

/** The month, by service. */
export interface MonthlyCost {
  cloudRun: { functions: FunctionCost[]; freeTierUsd: number };
  /** Of the priced lines (see `unpriced` for the rest). */
  cloudSqlUsd: number;
  pubsub: { gib: number; usd: number };
  logging: { gib: number; usd: number };
  /** The sum of every priced line, after free tiers. */
  pricedUsd: number;
  /** Lines left out of pricedUsd, with the reason. */
  unpriced: string[];
}

/**
 * The Cloud SQL instance's month: compute and storage, times the standby factor when REGIONAL
 * (an unknown factor leaves the standby unpriced, not the primary).
 */
function cloudSqlUsd(inputs: CostInputs, prices: PriceTable, unpriced: string[]): number {
  const sql = prices.cloudSql;
  const { tier, availability, diskGiB } = inputs.database;
  const hours = SECONDS_PER_MONTH / 3600;
  const custom = /^db-custom-(\d+)-(\d+)$/.exec(tier);
  let usd = priced(sql.ssdStorageGibMonth, diskGiB, 'Cloud SQL storage', unpriced);
  if (custom) {
    const vcpuHours = Number(custom[1]) * hours;
    const gibHours = (Number(custom[2]) / 1024) * hours;
    usd += priced(sql.enterpriseVcpuHour, vcpuHours, `Cloud SQL vCPU (${tier})`, unpriced);
    usd += priced(sql.enterpriseGibHour, gibHours, `Cloud SQL memory (${tier})`, unpriced);
  } else {
    usd += priced(sql.sharedCoreHour[tier] ?? { usd: null }, hours, `Cloud SQL ${tier}`, unpriced);
  }
  if (availability === 'ZONAL') return usd;
  const factor = sql.highAvailabilityFactor.factor;
  if (factor === null) unpriced.push('Cloud SQL standby (REGIONAL)');
  return usd * (factor ?? 1);
}

/** The monthly cost at `rps` requests per second, held all month. */
export function monthlyCost(
  model: CapacityModel,
  inputs: CostInputs,
  rps: number,
  prices: PriceTable,
): MonthlyCost {
  const unpriced: string[] = [];
  const report = capacityAt(model, rps);
  const functions = model.functions.map((f, i) =>
    functionCost(f, report.functions[i]!, rps, inputs.billing, prices, unpriced),
  );
  const freeTierUsd = inputs.billing === 'request' ? freeTier(functions, prices) : 0;

  const ps = prices.pubsub;
  const pubsubRequests = (inputs.pubsub.publishesPerRps + inputs.pubsub.deliveriesPerRps) * rps;
  const pubsubBytes =
    pubsubRequests *
    Math.max(ps.minimumBytesPerRequest.amount, inputs.pubsub.messageBytes) *
    SECONDS_PER_MONTH;
  const pubsubBillable = Math.max(0, pubsubBytes - ps.freeGibPerMonth.amount * GIB) / TIB;
  const pubsubUsd = priced(ps.throughputTib, pubsubBillable, 'Pub/Sub throughput', unpriced);

  const logBytes =
    report.functions.reduce((s, f) => s + f.rate, 0) *
    inputs.logBytesPerRequest *
    SECONDS_PER_MONTH;
  const logBillable = Math.max(0, logBytes / GIB - prices.logging.freeGibPerProjectMonth.amount);
  const loggingUsd = priced(prices.logging.ingestionGib, logBillable, 'Cloud Logging', unpriced);

  const cloudSql = cloudSqlUsd(inputs, prices, unpriced);
  const lines = [...functions.map((f) => f.usd), cloudSql, pubsubUsd, loggingUsd];
  const pricedUsd = lines.reduce((sum, l) => sum + l, 0) - freeTierUsd;
  return {
    cloudRun: { functions, freeTierUsd },
    cloudSqlUsd: cloudSql,
    pubsub: { gib: pubsubBytes / GIB, usd: pubsubUsd },
    logging: { gib: logBytes / GIB, usd: loggingUsd },
    pricedUsd,
    unpriced: [...new Set(unpriced)],
  };
}
