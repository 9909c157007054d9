import { encodeCursor } from '../../shared/people/cursor';
import type { LoadMixEntry } from './load-worker';

/** The person every benchmark and load run writes (a name of its own where it matters). */
export const BENCH_PERSON = {
  survived: true,
  passengerClass: 2,
  name: 'Mrs. Bench Mark',
  sex: 'female',
  age: 31.5,
  siblingsOrSpousesAboard: 1,
  parentsOrChildrenAboard: 0,
  fare: 26.25,
};

/** The status each kind of the mix answers when all is well. */
export const MIXED_TRAFFIC_STATUS: Record<string, string> = {
  show: '200',
  list: '200',
  'list-cursor': '200',
  create: '201',
  update: '200',
};

/**
 * A day's traffic on the people API, for the load test and the benchmark alike: half reads by
 * uuid, a fifth lists (first pages and pages by cursor), a fifth creates, a tenth updates.
 * Creates and updates carry `[<id>]`, which the load worker makes unique per request, so every
 * update is a real change (and an event).
 * @param uuids existing people: read and updated at random, three of them as cursors
 * @param writeHeaders headers of the writes (content type, and the API key where required)
 */
export function mixedTraffic(
  uuids: string[],
  writeHeaders: Record<string, string>,
): LoadMixEntry[] {
  const cursors = [0.25, 0.5, 0.75].map((at) => uuids[Math.floor(uuids.length * at)]!);
  return [
    { kind: 'show', weight: 50, method: 'GET', paths: uuids.map((u) => `/people/${u}`) },
    { kind: 'list', weight: 10, method: 'GET', paths: ['/people?limit=100'] },
    {
      kind: 'list-cursor',
      weight: 10,
      method: 'GET',
      paths: cursors.map((id) => `/people?limit=100&cursor=${encodeCursor(id)}`),
    },
    {
      kind: 'create',
      weight: 20,
      method: 'POST',
      paths: ['/people'],
      headers: writeHeaders,
      body: JSON.stringify({ ...BENCH_PERSON, name: 'Load [<id>]' }),
    },
    {
      kind: 'update',
      weight: 10,
      method: 'PUT',
      paths: uuids.map((u) => `/people/${u}`),
      headers: writeHeaders,
      body: JSON.stringify({ name: 'Renamed [<id>]' }),
    },
  ];
}
