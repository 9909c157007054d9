import { requestsPerCpuSecond, servedLoad } from '../../bench/lib/served-load';
import type { LoadOptions, LoadResult } from '../../bench/lib/load';

const result = (total: number): LoadResult => ({
  requestsPerSecond: total / 5,
  p50: 1,
  p99: 2,
  total,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  statusCodes: { '200': total },
});

describe('a measured run on one server (servedLoad)', () => {
  it("counts the server's CPU over the load only, per request answered", async () => {
    const steps: string[] = [];
    // The server's CPU clock: 100 ms before the run, 850 after it.
    let cpu = 100;
    const deps = {
      load: async (options: LoadOptions) => {
        steps.push(`load ${options.seconds} s`);
        cpu += 750;
        return result(3000);
      },
      cpuMs: (pid: number) => {
        steps.push(`cpu of ${pid}`);
        return cpu;
      },
    };
    const run = await servedLoad(4242, { url: 'http://x', seconds: 5 }, deps);
    expect(steps).toEqual(['cpu of 4242', 'load 5 s', 'cpu of 4242']);
    // 750 ms over 3,000 requests: 250 µs each, 4,000 requests per CPU-second.
    expect(run.cpuUsPerRequest).toBe(250);
    expect(run.total).toBe(3000);
    expect(run.requestsPerSecond).toBe(600);
    expect(requestsPerCpuSecond(run)).toBe(4000);
  });
});
