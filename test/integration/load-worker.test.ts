// The benchmark's load generator (bench/lib/load.ts and its worker process) takes options far
// larger than one command-line argument may be: the mixed-traffic figure spreads its requests
// over thousands of ids, and Linux refuses an argument over 128 KiB (spawn E2BIG).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { load } from '../../bench/lib/load';

describe('the load generator', () => {
  let server: Server;
  let url: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      // A server busy with something longer than the run (a people instance's first writes
      // waiting for its Pub/Sub client to load): answers after 3 s.
      if (req.url === '/slow') setTimeout(() => res.end('late'), 3000).unref();
      else res.end('ok');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((closed) => server.close(() => closed()));
  });

  it('spreads requests over 4,000 paths (176 KiB of options, over the 128 KiB a single argument may be)', async () => {
    const paths = Array.from(
      { length: 4000 },
      (_, i) => `/people/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    expect(JSON.stringify(paths).length).toBeGreaterThan(128 * 1024);
    const result = await load({ url, paths, seconds: 1, connections: 2, fromSource: true });
    expect(result.errors).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    const known = new Set(paths);
    expect(seen.filter((path) => !known.has(path))).toEqual([]);
  }, 30000);

  it('fails a run in which no request completed, instead of reporting 0 requests/s', async () => {
    await expect(
      load({ url: `${url}/slow`, seconds: 1, connections: 2, fromSource: true }),
    ).rejects.toThrow(`load on ${url}/slow: no request completed in 1 s`);
  }, 30000);
});
