// The open-loop load generator of the calibration bench, run as its own process (so it does not
// share an event loop with the balancer it measures): sends one request at each of the given
// times, whether or not earlier ones have been answered (autocannon is closed-loop: a fixed
// number of connections, each waiting for its answer), and prints each request's outcome as
// JSON. Options in the JSON file named by argv[2] (written by open-loop.ts).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'undici';
import type { OpenLoopOptions, OpenLoopOutcome } from './open-loop';

if (!process.argv[2]) throw new Error('usage: open-loop-worker <options.json>');
const options = JSON.parse(readFileSync(process.argv[2], 'utf8')) as OpenLoopOptions;
// A connection per request in flight, and no client timeout: a request that waits for a cold
// start on a loaded machine is measured, not cut off (autocannon's 10 s timeout would count it
// as an error).
const agent = new Agent({ connections: null, headersTimeout: 0, bodyTimeout: 0 });

const t0 = performance.now() + 50;
const outcomes: OpenLoopOutcome[] = options.arrivalsMs.map((atMs) => ({ atMs, lagMs: 0 }));

async function send(i: number): Promise<void> {
  const outcome = outcomes[i]!;
  const sent = performance.now();
  outcome.lagMs = sent - (t0 + outcome.atMs);
  try {
    const answer = await request(`${options.url}${options.paths[i % options.paths.length]}`, {
      dispatcher: agent,
    });
    await answer.body.arrayBuffer();
    outcome.status = answer.statusCode;
  } catch (error) {
    outcome.error = `${(error as Error).name}: ${(error as Error).message}`;
  }
  outcome.latencyMs = performance.now() - sent;
}

const pending: Promise<void>[] = [];
for (const [i, atMs] of options.arrivalsMs.entries()) {
  pending.push(
    new Promise<void>((done) =>
      setTimeout(() => void send(i).then(done), Math.max(0, t0 + atMs - performance.now())),
    ),
  );
}
void Promise.all(pending).then(async () => {
  await agent.close();
  process.stdout.write(JSON.stringify(outcomes));
});
