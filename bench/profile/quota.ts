import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import {
  cgroupsUnavailable,
  createInstanceCgroup,
  type Controller,
} from '../../test/support/cgroups';
import type { Freezer } from '../../test/support/freezer';
import { option, UsageError } from './proc-cpu';

/** `--vcpu=<CPUs>` from the command line (undefined without it); throws where no quota can be made. */
export function vcpuOption(): number | undefined {
  const text = option('vcpu', '');
  if (!text) return undefined;
  const vcpu = Number(text);
  if (!(vcpu > 0)) throw new UsageError(`--vcpu must be a positive number of CPUs, not ${text}`);
  const noQuota = cgroupsUnavailable();
  if (noQuota) throw new UsageError(`--vcpu needs a cgroup CPU quota: ${noQuota}`);
  return vcpu;
}

/**
 * Spawns `node args`, alone in a cgroup capped at `vcpu` CPUs when given (a CFS quota, as the
 * throttled harness and the benchmark's figures at the deployed share give it), and in a freezer
 * cgroup with `freezable` (as Cloud Run stops an instance between requests).
 * @returns the process, its freezer (with `freezable`) and a function removing its cgroup (call
 *   it once the process has exited)
 */
export function spawnInCgroup(
  label: string,
  node: string,
  args: string[],
  options: SpawnOptions,
  vcpu?: number,
  freezable = false,
): { child: ChildProcess; freezer?: Freezer; removeCgroup(): Promise<void> } {
  const controllers: Controller[] = [
    ...(vcpu === undefined ? [] : ['cpu' as const]),
    ...(freezable ? ['freezer' as const] : []),
  ];
  const cgroup = controllers.length ? createInstanceCgroup(label, controllers) : undefined;
  if (vcpu !== undefined) cgroup!.setCpu(vcpu);
  // In a cgroup a shell joins it and execs node, so the pid measured is node's.
  const child = cgroup
    ? spawn('/bin/sh', ['-c', `${cgroup.joinCommand} && exec "$0" "$@"`, node, ...args], options)
    : spawn(node, args, options);
  return {
    child,
    ...(freezable ? { freezer: cgroup } : {}),
    removeCgroup: async () => await cgroup?.remove(),
  };
}
