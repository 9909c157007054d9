// The load generator, run as its own process (so it does not share an event loop with what it
// measures): autocannon with the options given as JSON in argv[2]; prints the result as JSON.
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { ManifestEvent } from '../../shared/events/envelope';
import { pushDelivery } from './push';

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
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
const paths = options.paths;
const pushEvent = options.pushEvent;

const instance = autocannon(
  {
    url: options.url,
    connections: options.connections,
    duration: options.seconds,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    requests: pushEvent
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
      }),
    );
  },
);
process.once('SIGINT', () => instance.stop());
