import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { compileValidator } from '../../shared/validation';

/**
 * The price table (bench/prices.json): every figure with the page it was read from, so a cost
 * the model prints is traceable; `usd: null` where a price was not found, which the cost model
 * reports as unpriced instead of guessing.
 */

const Source = { source: Type.String({ minLength: 1 }), note: Type.Optional(Type.String()) };
const Price = Type.Object(
  { usd: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]), ...Source },
  { additionalProperties: false },
);
const Amount = Type.Object(
  { amount: Type.Number({ minimum: 0 }), ...Source },
  { additionalProperties: false },
);

export const PriceTableSchema = Type.Object(
  {
    read: Type.String({ format: 'date' }),
    currency: Type.Literal('USD'),
    about: Type.String(),
    cloudRun: Type.Object(
      {
        region: Type.String(),
        requestBased: Type.Object(
          {
            vcpuSecond: Price,
            gibSecond: Price,
            millionRequests: Price,
            idleMinInstanceVcpuSecond: Price,
            idleMinInstanceGibSecond: Price,
          },
          { additionalProperties: false },
        ),
        instanceBased: Type.Object(
          { vcpuSecond: Price, gibSecond: Price },
          { additionalProperties: false },
        ),
        freeTierPerMonth: Type.Object(
          { vcpuSeconds: Amount, gibSeconds: Amount, requests: Amount },
          { additionalProperties: false },
        ),
        billingGranularityMs: Amount,
      },
      { additionalProperties: false },
    ),
    cloudSql: Type.Object(
      {
        region: Type.String(),
        enterpriseVcpuHour: Price,
        enterpriseGibHour: Price,
        ssdStorageGibMonth: Price,
        highAvailabilityFactor: Type.Object(
          { factor: Type.Union([Type.Number({ minimum: 1 }), Type.Null()]), ...Source },
          { additionalProperties: false },
        ),
        sharedCoreHour: Type.Record(Type.String(), Price),
        defaultMaxConnections: Type.Record(
          Type.String(),
          Type.Object(
            { connections: Type.Integer({ minimum: 1 }), ...Source },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false },
    ),
    pubsub: Type.Object(
      { throughputTib: Price, freeGibPerMonth: Amount, minimumBytesPerRequest: Amount },
      { additionalProperties: false },
    ),
    logging: Type.Object(
      { ingestionGib: Price, freeGibPerProjectMonth: Amount },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** The price table's shape. */
export type PriceTable = Static<typeof PriceTableSchema>;

const validPriceTable = compileValidator(PriceTableSchema);

/** Checks a parsed price table, throwing an error that names each bad field. */
export function parsePriceTable(value: unknown): PriceTable {
  if (validPriceTable(value)) return value;
  const problems = validPriceTable.problems().map((p) => `${p.field}: ${p.message}`);
  throw new Error(`bench/prices.json is not a valid price table: ${problems.join('; ')}`);
}

/** The committed price table, checked. */
export function loadPriceTable(path = join(__dirname, '..', 'prices.json')): PriceTable {
  return parsePriceTable(JSON.parse(readFileSync(path, 'utf8')));
}

/** Price × quantity; 0 when the table has no price, the line then named in `unpriced`. */
export function priced(
  price: { usd: number | null },
  quantity: number,
  what: string,
  unpriced: string[],
): number {
  if (quantity === 0) return 0;
  if (price.usd === null) {
    unpriced.push(what);
    return 0;
  }
  return price.usd * quantity;
}
