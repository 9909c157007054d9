import { processCpuMs } from './process-cpu';
import { load, type LoadOptions, type LoadResult } from './load';

/** A measured run of load on one server: the load's result and the server's CPU per request. */
export interface ServedLoad extends LoadResult {
  /** The server process's CPU (user and system, every thread) per request answered, µs. */
  cpuUsPerRequest: number;
}

/** How servedLoad drives load and reads a process's CPU (the real ones unless a test says). */
export interface ServedLoadDeps {
  load: (options: LoadOptions) => Promise<LoadResult>;
  cpuMs: (pid: number) => number;
}

const REAL: ServedLoadDeps = { load, cpuMs: processCpuMs };

/**
 * `options`' load on the server `pid`, with the CPU the server used during it per request
 * answered. Requests per second depend on the load generator and the database keeping
 * up as well (on this machine they share a core); the server's CPU per request is its own cost,
 * and it is what bounds an instance's throughput on the vCPU Cloud Run gives it.
 */
export async function servedLoad(
  pid: number,
  options: LoadOptions,
  deps: ServedLoadDeps = REAL,
): Promise<ServedLoad> {
  const before = deps.cpuMs(pid);
  const result = await deps.load(options);
  const cpuMs = deps.cpuMs(pid) - before;
  return { ...result, cpuUsPerRequest: (cpuMs * 1000) / result.total };
}

/** Requests a whole CPU-second of the server answers at `run`'s CPU per request. */
export const requestsPerCpuSecond = (run: ServedLoad) => 1e6 / run.cpuUsPerRequest;
