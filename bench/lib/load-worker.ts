// The load generator, run as its own process (so it does not share an event loop with what it
// measures): autocannon with the options in the JSON file named by argv[2] (load.ts writes it);
// prints the result as JSON.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import type { ManifestEvent } from '../../shared/events/envelope';
import { pushDelivery } from './push';

/**
 * One kind of request in a mixed load: each request picks a kind at random by weight, then one
 * of its paths. `[<id>]` in a body becomes a fresh id per request (autocannon's idReplacement),
 * so writes can differ from each other.
 */
export interface LoadMixEntry {
  kind: string;
  weight: number;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  paths: string[];
  body?: string;
  headers?: Record<string, string>;
}

/** What each kind of a mix did: requests started, and answers by status code. */
export type LoadByKind = Record<string, { sent: number; statusCodes: Record<string, number> }>;

interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  /** Paths to spread the requests over (chosen at random per request). */
  paths?: string[];
  body?: string;
  headers?: Record<string, string>;
  connections: number;
  seconds: number;
  /** Push deliveries of this event envelope, each with a fresh event id (for event functions). */
  pushEvent?: ManifestEvent;
  /** Mixed traffic: kinds of requests by weight (see LoadMixEntry). */
  mix?: LoadMixEntry[];
}

if (!process.argv[2]) throw new Error('usage: load-worker <options.json>');
const options = JSON.parse(readFileSync(process.argv[2], 'utf8')) as LoadOptions;
const paths = options.paths;
const pushEvent = options.pushEvent;
const mix = options.mix;
const byKind: LoadByKind = Object.fromEntries(
  (mix ?? []).map((entry) => [entry.kind, { sent: 0, statusCodes: {} }]),
);
const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** Each connection's context remembers the kind of its request in flight (pipelining is 1). */
function mixedRequests(entries: LoadMixEntry[]): autocannon.Request[] {
  const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
  const choose = () => {
    let left = Math.random() * total;
    for (const entry of entries) if ((left -= entry.weight) < 0) return entry;
    return entries[entries.length - 1]!;
  };
  return [
    {
      setupRequest: (request, context) => {
        const entry = choose();
        (context as { kind?: string }).kind = entry.kind;
        byKind[entry.kind]!.sent++;
        return {
          ...request,
          method: entry.method,
          path: pick(entry.paths),
          headers: { ...request.headers, ...entry.headers },
          body: entry.body,
        };
      },
      onResponse: (status, _body, context) => {
        const counts = byKind[(context as { kind: string }).kind]!.statusCodes;
        counts[status] = (counts[status] ?? 0) + 1;
      },
    },
  ];
}

const instance = autocannon(
  {
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    idReplacement: Boolean(mix?.some((entry) => entry.body?.includes('[<id>]'))),
    requests: mix
      ? mixedRequests(mix)
      : pushEvent
        ? [
            {
              setupRequest: (request) => ({
                ...request,
                body: pushDelivery({ ...pushEvent, id: randomUUID() }),
              }),
            },
          ]
        : paths
          ? [
              {
                setupRequest: (request) => ({
                  ...request,
                  path: paths[Math.floor(Math.random() * paths.length)]!,
                }),
              },
            ]
          : undefined,
  },
  (error, result) => {
    if (error) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    const statusCodes = result.statusCodeStats as Record<string, { count: number }> | undefined;
    process.stdout.write(
      JSON.stringify({
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        total: result.requests.total,
        non2xx: result.non2xx,
        errors: result.errors,
        timeouts: result.timeouts,
        statusCodes: Object.fromEntries(
          Object.entries(statusCodes ?? {}).map(([code, s]) => [code, s.count]),
        ),
        ...(mix ? { byKind } : {}),
      }),
    );
  },
);
process.once('SIGINT', () => instance.stop());
