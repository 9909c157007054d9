import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { cgroupsUnavailable, createInstanceCgroup } from '../../test/support/cgroups';
import { option } from './proc-cpu';

/** `--vcpu=<CPUs>` from the command line (undefined without it); throws where no quota can be made. */
export function vcpuOption(): number | undefined {
  const text = option('vcpu', '');
  if (!text) return undefined;
  const vcpu = Number(text);
  if (!(vcpu > 0)) throw new Error(`--vcpu must be a positive number of CPUs, not ${text}`);
  const noQuota = cgroupsUnavailable();
  if (noQuota) throw new Error(`--vcpu needs a cgroup CPU quota: ${noQuota}`);
  return vcpu;
}

/**
 * Spawns `node args`, alone in a cgroup capped at `vcpu` CPUs when given (a CFS quota, as the
 * throttled harness and the benchmark's figures at the deployed share give it).
 * @returns the process and a function removing its cgroup (call it once the process has exited)
 */
export function spawnUnderQuota(
  label: string,
  node: string,
  args: string[],
  options: SpawnOptions,
  vcpu?: number,
): { child: ChildProcess; removeCgroup(): Promise<void> } {
  const cgroup = vcpu === undefined ? undefined : createInstanceCgroup(label, ['cpu']);
  cgroup?.setCpu(vcpu!);
  // Under a quota a shell joins the cgroup and execs node, so the pid measured is node's.
  const child = cgroup
    ? spawn('/bin/sh', ['-c', `${cgroup.joinCommand} && exec "$0" "$@"`, node, ...args], options)
    : spawn(node, args, options);
  return { child, removeCgroup: async () => await cgroup?.remove() };
}
