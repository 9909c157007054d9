import { readFileSync } from 'node:fs';
import { until } from './until';

/** What stops an instance's processes dead and lets them go on (see throttled.ts). */
export interface Freezer {
  /** Resolves once every process of the instance has stopped. */
  freeze(): Promise<void>;
  thaw(): void;
}

/** Whether a process is stopped by a signal (state T in /proc/<pid>/stat). */
function stoppedBySignal(pid: number): boolean {
  return /^\d+ \(.*\) T/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/**
 * Freezes a process group with SIGSTOP and thaws it with SIGCONT: for where no cgroup can be
 * made (the cgroup freezer, cgroups.ts, is the default). `leader` is the group's leader.
 */
export function signalFreezer(leader: number): Freezer {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-leader, name);
    } catch {
      // the group is gone
    }
  };
  return {
    freeze: async () => {
      signal('SIGSTOP');
      await until(`process group ${leader} to stop`, async () => stoppedBySignal(leader), 10000, 1);
    },
    thaw: () => signal('SIGCONT'),
  };
}
