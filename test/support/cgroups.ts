import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { until } from './until';

// cgroup v1, as this machine mounts it: one hierarchy per controller under /sys/fs/cgroup.
// https://docs.kernel.org/admin-guide/cgroup-v1/freezer-subsystem.html
// https://docs.kernel.org/scheduler/sched-bwc.html (cpu.cfs_quota_us, cpu.cfs_period_us, cpu.stat)
const HIERARCHIES = '/sys/fs/cgroup';
const CONTROLLERS = ['cpu', 'freezer'] as const;
export type Controller = (typeof CONTROLLERS)[number];

/** The CFS period the quota is a share of: 100 ms, the kernel's default. */
const PERIOD_US = 100_000;

let probed: string | undefined | null = null;

/**
 * Why this process cannot make cgroups of its own (v1 `cpu` and `freezer` not mounted, or no
 * right to write them), or undefined when it can. Probed once, by making and removing one.
 */
export function cgroupsUnavailable(): string | undefined {
  if (probed !== null) return probed;
  probed = undefined;
  for (const controller of CONTROLLERS) {
    const dir = join(HIERARCHIES, controller);
    if (!existsSync(join(dir, 'cgroup.procs'))) {
      probed = `cgroup v1 ${controller} is not mounted at ${dir}`;
      break;
    }
    const probe = join(dir, `manifest-probe-${process.pid}`);
    try {
      mkdirSync(probe);
      rmdirSync(probe);
    } catch (error) {
      probed = `cannot make a cgroup under ${dir}: ${(error as Error).message}`;
      break;
    }
  }
  return probed;
}

/** The cgroup's own throttling counters (cpu.stat). */
export interface CpuStat {
  /** CFS periods in which the group could run. */
  periods: number;
  /** Periods in which it used up its quota and was held back. */
  throttled: number;
  /** Total time it was held back, in nanoseconds. */
  throttledNs: number;
}

/** A cgroup of one instance, in each controller it was made in. */
export interface InstanceCgroup {
  controllers: Controller[];
  /** Its directory in each controller's hierarchy. */
  dirs: string[];
  /** A shell command that moves the shell running it ($$) in, to run before `exec`. */
  joinCommand: string;
  /** Caps the group at `vcpu` CPUs per period (cpu.cfs_quota_us). */
  setCpu(vcpu: number): void;
  /** Sets its weight against other groups and tasks (cpu.shares; a task's is 1024). */
  setCpuShares(shares: number): void;
  cpuStat(): CpuStat;
  /** Freezes every task in it; resolves once the kernel says FROZEN. */
  freeze(): Promise<void>;
  thaw(): void;
  /** Thaws it and removes it once its tasks are gone (a directory with tasks cannot be removed). */
  remove(): Promise<void>;
}

/**
 * A frozen task cannot even die, so a test process that ends without remove() (a crash, a
 * worker killed at a timeout) would leave its instance frozen for good. A detached shell
 * watches for that: once this process is gone, it thaws the group, kills its tasks and removes
 * it. @returns a function that dismisses the watcher (after a normal remove()).
 */
function guard(dirs: string[], freezer: string | undefined): () => void {
  const procs = dirs.map((d) => `${d}/cgroup.procs`).join(' ');
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    ...(freezer ? [`echo THAWED > ${freezer}/freezer.state`] : []),
    `kill -KILL $(cat ${procs}) 2>/dev/null`,
    `for i in 1 2 3 4 5 6 7 8 9 10; do rmdir ${dirs.join(' ')} 2>/dev/null && break; sleep 1; done`,
  ].join('; ');
  const watcher = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore' });
  watcher.unref();
  return () => {
    try {
      process.kill(-watcher.pid!, 'SIGKILL');
    } catch {
      // gone already
    }
  };
}

let instances = 0;

/** Makes a cgroup named after this process and `label` in each of `controllers`. */
export function createInstanceCgroup(label: string, controllers: Controller[]): InstanceCgroup {
  const name = `manifest-${process.pid}-${++instances}-${label.replace(/[^\w-]/g, '_')}`;
  const dir = (controller: Controller) => join(HIERARCHIES, controller, name);
  const made: string[] = [];
  try {
    for (const controller of controllers) made.push((mkdirSync(dir(controller)), dir(controller)));
  } catch (error) {
    made.forEach((path) => rmdirSync(path));
    throw error;
  }
  const dismiss = guard(
    controllers.map(dir),
    controllers.includes('freezer') ? dir('freezer') : undefined,
  );
  const has = (controller: Controller) => {
    if (!controllers.includes(controller)) throw new Error(`${name} has no ${controller} cgroup`);
    return dir(controller);
  };
  const state = () => readFileSync(join(has('freezer'), 'freezer.state'), 'utf8').trim();
  const thaw = () => {
    if (existsSync(dir('freezer'))) writeFileSync(join(dir('freezer'), 'freezer.state'), 'THAWED');
  };
  return {
    controllers,
    dirs: controllers.map(dir),
    joinCommand: controllers.map((c) => `echo $$ > ${dir(c)}/cgroup.procs`).join(' && '),
    setCpu: (vcpu) => {
      writeFileSync(join(has('cpu'), 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(has('cpu'), 'cpu.cfs_quota_us'), String(Math.round(vcpu * PERIOD_US)));
    },
    setCpuShares: (shares) => writeFileSync(join(has('cpu'), 'cpu.shares'), String(shares)),
    cpuStat: () => {
      const text = readFileSync(join(has('cpu'), 'cpu.stat'), 'utf8');
      const field = (key: string) => Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1]);
      return {
        periods: field('nr_periods'),
        throttled: field('nr_throttled'),
        throttledNs: field('throttled_time'),
      };
    },
    freeze: async () => {
      writeFileSync(join(has('freezer'), 'freezer.state'), 'FROZEN');
      // FREEZING until every task has stopped: usually at once, within a scheduler tick.
      await until(`${name} to freeze`, async () => state() === 'FROZEN', 10000, 1);
    },
    thaw,
    remove: async () => {
      thaw();
      for (const path of controllers.map(dir)) {
        for (let attempt = 0; existsSync(path); attempt++) {
          try {
            rmdirSync(path);
          } catch (error) {
            // EBUSY while an exiting task is still listed in it.
            if ((error as NodeJS.ErrnoException).code !== 'EBUSY' || attempt >= 500) throw error;
            await sleep(10);
          }
        }
      }
      dismiss();
    },
  };
}
