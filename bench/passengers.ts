import { Readable } from 'node:stream';

/**
 * Passenger-shaped CSV of any size, deterministic by seed: the Titanic header, plausible
 * classes, names (some with commas and quotes, which must be quoted), sexes, fractional ages
 * and four-decimal fares. For the import benchmark and large-file tests; the real data set
 * stays in ../shared/data.
 */
export const HEADER =
  'Survived,Pclass,Name,Sex,Age,Siblings/Spouses Aboard,Parents/Children Aboard,Fare\n';

const TITLES = ['Mr.', 'Mrs.', 'Miss.', 'Master.', 'Dr.', 'Rev.'];
const GIVEN = [
  'John',
  'Mary',
  'William',
  'Anna',
  'James',
  'Elizabeth',
  'Charles',
  'Margaret',
  'George',
  'Helen',
];
const FAMILY = [
  'Smith',
  'Andersson',
  "O'Brien",
  'Johnson',
  'Brown',
  'Sage',
  'Goodwin',
  'Skoog',
  'Panula',
  'Rice',
];

/** A small, fast, seeded generator (mulberry32), so the same seed gives the same file. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One passenger row (with its line ending). */
export function passengerRow(next: () => number, index: number): string {
  const pick = <T>(items: T[]) => items[Math.floor(next() * items.length)]!;
  const female = next() < 0.35;
  const passengerClass = next() < 0.25 ? 1 : next() < 0.4 ? 2 : 3;
  let name = `${pick(TITLES)} ${pick(GIVEN)} ${pick(FAMILY)} ${index}`;
  if (index % 50 === 0) name = `"${name.replace(' ', ', ')} (""Nellie"")"`; // commas and quotes inside
  const age =
    next() < 0.02
      ? (Math.floor(next() * 100) / 100).toFixed(2)
      : (Math.floor(next() * 160) / 2).toString();
  const fare = (Math.floor(next() * 5_000_000) / 10_000).toFixed(4);
  const survived = next() < (female ? 0.74 : 0.19) ? 1 : 0;
  return `${survived},${passengerClass},${name},${female ? 'female' : 'male'},${age},${Math.floor(next() * 4)},${Math.floor(next() * 3)},${fare}\n`;
}

/** A readable stream of `rows` passenger rows after the header, generated as it is read. */
export function passengerCsv(rows: number, seed = 1912): Readable {
  const next = random(seed);
  let index = 0;
  return new Readable({
    read() {
      if (index === 0) this.push(HEADER);
      let chunk = '';
      while (index < rows && chunk.length < 64 * 1024) chunk += passengerRow(next, ++index);
      if (chunk) this.push(chunk);
      if (index >= rows) this.push(null);
    },
  });
}
