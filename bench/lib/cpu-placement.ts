import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/**
 * Where a throughput comparison runs on this machine. A Cloud Run instance has its vCPU to
 * itself: the clients sending it load and the database answering it run elsewhere. Here the
 * load generator, PostgreSQL and the server measured share two cores, and the scheduler put
 * the first two's work on the server's core now and then: in one sitting of five GET rounds
 * (100,000 rows, Node 22) ours was 0.75 to 1.06 of the framework's so, and 0.86 to 1.00 placed
 * as below (the rest of the spread: WARM_UP_SECONDS in http.bench.ts). So the servers measured
 * run on the last core alone (their CPU affinity, as `taskset` sets it, inherited by every
 * thread they start), and this process, the load workers it spawns (they inherit its affinity)
 * and every PostgreSQL process run on the other cores, until restore().
 */
export interface CpuPlacement {
  /** The CPU list the measured servers run on, for launchFunction's `cpus`. */
  server: string;
  /** The CPU list of everything else. */
  harness: string;
  /** Where each runs, for a figure's notes. */
  where: string;
  /** Gives each moved process the affinity it had before. */
  restore(): void;
}

/** The CPUs this process may run on, in order, from the kernel's list ("0-3,6"). */
function allowedCpus(): number[] {
  const status = readFileSync('/proc/self/status', 'utf8');
  const list = /Cpus_allowed_list:\s*(\S+)/.exec(status)?.[1] ?? '';
  return list.split(',').flatMap((range) => {
    const [first, last = first] = range.split('-').map(Number);
    return Array.from({ length: last! - first! + 1 }, (_, i) => first! + i);
  });
}

/** Why the servers cannot have a core of their own here, or undefined when they can. */
export function cpuPlacementUnavailable(): string | undefined {
  if (allowedCpus().length < 2) return 'one CPU only';
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'no taskset (util-linux) on PATH';
  }
  return undefined;
}

/** A process's affinity mask, in taskset's hexadecimal ("pid 12's current affinity mask: 3"). */
function affinityMask(pid: number): string | undefined {
  try {
    const said = execFileSync('taskset', ['-p', String(pid)], { encoding: 'utf8' });
    return /mask: ([0-9a-f]+)/.exec(said)?.[1];
  } catch {
    return undefined; // gone meanwhile
  }
}

/** Sets the affinity of every thread of `pid`; false when it has gone meanwhile. */
function setAffinity(pid: number, how: ['--cpu-list', string] | ['mask', string]): boolean {
  const args = how[0] === 'mask' ? [how[1]] : ['--cpu-list', how[1]];
  try {
    execFileSync('taskset', ['--all-tasks', '-p', ...args, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The PostgreSQL processes on this machine, the oldest (the postmaster) first; none when the
 * server is elsewhere.
 */
function postgresProcesses(): number[] {
  try {
    const postmaster = execFileSync('pgrep', ['--oldest', '-x', 'postgres'], { encoding: 'utf8' });
    const all = execFileSync('pgrep', ['-x', 'postgres'], { encoding: 'utf8' });
    const pids = (text: string) => text.split('\n').filter(Boolean).map(Number);
    const [first] = pids(postmaster);
    return [first!, ...pids(all).filter((pid) => pid !== first)];
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/**
 * Moves this process and PostgreSQL off the last CPU, which the servers measured get alone
 * (see CpuPlacement). Backends PostgreSQL starts later fork from the postmaster and inherit
 * its affinity; restore() gives those the postmaster's affinity from before (a pool may keep
 * them for the rest of the run). Throws when cpuPlacementUnavailable() says why not.
 */
export function placeOnCpus(): CpuPlacement {
  const unavailable = cpuPlacementUnavailable();
  if (unavailable) throw new Error(`cannot give the servers a core of their own: ${unavailable}`);
  const cpus = allowedCpus();
  const server = String(cpus.at(-1));
  const harness = cpus.slice(0, -1).join(',');
  const postgres = postgresProcesses();
  const before = new Map<number, string>();
  for (const pid of [process.pid, ...postgres]) {
    const mask = affinityMask(pid);
    if (mask && setAffinity(pid, ['--cpu-list', harness])) before.set(pid, mask);
  }
  const postmasterMask = postgres.length ? before.get(postgres[0]!) : undefined;
  const where = `server alone on CPU ${server}; load generator and PostgreSQL (${postgres.length} processes) on CPU ${harness}`;
  return {
    server,
    harness,
    where,
    restore() {
      for (const [pid, mask] of before) setAffinity(pid, ['mask', mask]);
      if (postmasterMask)
        for (const pid of postgresProcesses())
          if (!before.has(pid)) setAffinity(pid, ['mask', postmasterMask]);
      before.clear();
    },
  };
}
