import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { cgroupsUnavailable } from '../support/cgroups';
import { request } from '../support/http';
import { vcpuShare } from '../../shared/deploy/sizing';
import { startThrottled, type ThrottleOptions } from '../support/throttled';

/**
 * The throttled-instance harness itself (test/support/throttled.ts): the process gets CPU only
 * while a request is in flight, a quota holds it to its share, and stop() leaves nothing.
 * The function is a fixture that keeps the CPU busy after it answers. Freezing by SIGSTOP
 * runs everywhere; the cgroup freezer and the quota need cgroups (root, v1 mounted): without
 * them those cases are skipped, saying why, and REQUIRE_CGROUPS=1 (CI) makes that a failure.
 */
const cgroupSkip = cgroupsUnavailable();
if (cgroupSkip && process.env.REQUIRE_CGROUPS === '1')
  throw new Error(`REQUIRE_CGROUPS=1 but ${cgroupSkip}`);

const FIXTURE = 'test/support/fixtures/busy.js';
const busy = (options: Partial<ThrottleOptions>) =>
  startThrottled({ name: 'busy', source: FIXTURE, ...options });

/** CPU time the process has used, in clock ticks (utime + stime of /proc/<pid>/stat). */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Resolves once another process has spent `ms` of CPU time: time in which anything runnable ran. */
async function anotherProcessSpends(ms: number): Promise<void> {
  const script = `const t = process.cpuUsage(); while (process.cpuUsage(t).user < ${ms * 1000});`;
  await promisify(execFile)(process.execPath, ['-e', script], { env: {} });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const freezers: { freezer: 'cgroup' | 'signal'; skip?: string }[] = [
  { freezer: 'signal' },
  { freezer: 'cgroup', skip: cgroupSkip },
];

describe.each(freezers)('the throttled harness, freezing by $freezer', ({ freezer, skip }) => {
  const maybe = skip ? it.skip : it;
  const suffix = skip ? ` [SKIPPED: ${skip}]` : '';

  maybe(
    `gives the process no CPU while no request is in flight; a request thaws it${suffix}`,
    async () => {
      const fn = await busy({ freezer });
      try {
        expect(fn.frozen).toBe(true);
        expect((await request(`${fn.url}/spin`)).status).toBe(200);
        await fn.idle();
        expect(fn.frozen).toBe(true);

        // The fixture spins in the background after /spin's answer: frozen, it must not advance
        // while another process is given 300 ms of CPU.
        const before = cpuTicks(fn.pid);
        await anotherProcessSpends(300);
        expect(cpuTicks(fn.pid)).toBe(before);

        const res = await request(`${fn.url}/count`);
        expect(res.status).toBe(200);
        expect(typeof res.body.count).toBe('number');
        await fn.idle();
        expect(fn.frozen).toBe(true);
        // Frozen once ready, thawed and frozen again around each of the two requests.
        expect(fn.counts).toEqual({ requests: 2, inFlight: 0, freezes: 3, thaws: 2 });
      } finally {
        await fn.stop();
      }
    },
  );

  maybe(
    `resume() gives it CPU outside requests too, and pause() takes that back${suffix}`,
    async () => {
      const fn = await busy({ freezer });
      try {
        expect((await request(`${fn.url}/spin`)).status).toBe(200);
        await fn.resume();
        await fn.idle();
        expect(fn.frozen).toBe(false);
        const before = cpuTicks(fn.pid);
        await anotherProcessSpends(300);
        expect(cpuTicks(fn.pid)).toBeGreaterThan(before);

        await fn.pause();
        await fn.idle();
        expect(fn.frozen).toBe(true);
        expect(fn.counts).toEqual({ requests: 1, inFlight: 0, freezes: 3, thaws: 2 });
      } finally {
        await fn.stop();
      }
    },
  );

  maybe(
    `stop() thaws the process, lets it exit cleanly, and leaves no process or cgroup${suffix}`,
    async () => {
      const fn = await busy({ freezer, ...(cgroupSkip ? {} : { cpu: 0.5 }) });
      const { pid, cgroups } = fn;
      expect(cgroups.filter((dir) => existsSync(dir))).toEqual(cgroups);
      expect((await request(`${fn.url}/spin`)).status).toBe(200);
      await fn.idle();
      expect(fn.frozen).toBe(true);

      // 0, not a signal: it was thawed, so it handled SIGTERM itself.
      expect(await fn.stop()).toBe(0);
      expect(alive(pid)).toBe(false);
      expect(cgroups.filter((dir) => existsSync(dir))).toEqual([]);
    },
  );
});

const describeQuota = cgroupSkip ? describe.skip : describe;
describeQuota(
  `the throttled harness with a CPU quota${cgroupSkip ? ` [SKIPPED: ${cgroupSkip}]` : ''}`,
  () => {
    it('holds a CPU-bound request to the share of a 256Mi function: its cgroup throttled it', async () => {
      const share = vcpuShare({ memory: '256Mi' });
      const fn = await busy({ cpu: share });
      try {
        expect(readFileSync(`/proc/${fn.pid}/cgroup`, 'utf8')).toContain(
          fn.cgroups[0]!.replace('/sys/fs/cgroup/cpu', 'cpu:'),
        );
        const before = fn.cpuStat();
        const burnMs = 200;
        const res = await request(`${fn.url}/burn?ms=${burnMs}`);
        expect(res.status).toBe(200);
        const after = fn.cpuStat();
        // 200 ms of CPU at 16.7 ms per 100 ms period needs 12 periods, each but the last cut
        // short by the quota: at least 10 throttled periods, allowing one at either end.
        expect(after.throttled - before.throttled).toBeGreaterThanOrEqual(
          Math.floor(burnMs / (share * 100)) - 1,
        );
        expect(after.throttledNs).toBeGreaterThan(before.throttledNs);
      } finally {
        await fn.stop();
      }
    });

    it('reserveCpu makes the quota a reservation: the largest cgroup weight, the same quota', async () => {
      const fn = await busy({ cpu: 0.4, reserveCpu: true });
      try {
        const cpuGroup = fn.cgroups.find((dir) => dir.startsWith('/sys/fs/cgroup/cpu/'))!;
        expect(readFileSync(`${cpuGroup}/cpu.shares`, 'utf8').trim()).toBe('262144');
        expect(readFileSync(`${cpuGroup}/cpu.cfs_quota_us`, 'utf8').trim()).toBe('40000');
      } finally {
        await fn.stop();
      }
      await expect(busy({ reserveCpu: true })).rejects.toThrow('reserveCpu needs a cpu quota');
    });
  },
);
