// A port for a process about to be started: test/support/processes.ts (every test's and the
// benchmark's launcher) and scripts/compile-cache.ts (the image build's warm-up) use it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's range for the local ports of outgoing connections (Linux), where it can be read.
 * A port handed out from it is free only until the next connection takes it as its own.
 */
export function ephemeralPortRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (Number.isInteger(low) && Number.isInteger(high)) return [low!, high!];
  } catch {
    // not Linux, or no /proc: the kernel's default range
  }
  return [32768, 60999];
}

/** The lowest port freePort picks: over the well-known and most registered services' ports. */
export const LOWEST_PICKED_PORT = 10000;

/** Whether something can listen on `port` now, on every address as the framework does. */
function canListen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, () => server.close(() => done(true)));
  });
}

/**
 * A port free to listen on, for a process started next. Picked under the kernel's ephemeral
 * range rather than from it: a port the kernel hands out (listen on 0) is released before the
 * child binds it, and in that gap any outgoing connection (a database client, a load generator)
 * may take it as its local port, and the child fails with EADDRINUSE (seen in a full bench run).
 * Outgoing connections never take a port under the range, so only another listener can.
 */
export async function freePort(): Promise<number> {
  const [low] = ephemeralPortRange();
  if (low - LOWEST_PICKED_PORT >= 1000) {
    for (let attempt = 0; attempt < 100; attempt++) {
      const port = LOWEST_PICKED_PORT + Math.floor(Math.random() * (low - LOWEST_PICKED_PORT));
      if (await canListen(port)) return port;
    }
  }
  // No room under the range (a custom ip_local_port_range): one the kernel hands out.
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}
