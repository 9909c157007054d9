/**
 * Reading a function's sizing as tfvars write it (`memory = "512Mi"`, `cpu` unset), for the
 * capacity model: memory in GiB, and the vCPUs an instance gets when `cpu` is not set.
 */

/**
 * Cloud Run functions' CPU for each memory size when no CPU is set
 * (https://cloud.google.com/functions/docs/configuring/memory, read 2026-12-01).
 */
export const DEFAULT_CPU_BY_MEMORY_MIB: Readonly<Record<number, number>> = {
  128: 0.083,
  256: 0.167,
  512: 0.333,
  1024: 0.583,
  2048: 1,
  4096: 2,
  8192: 2,
  16384: 4,
  32768: 8,
};

/** "512Mi" or "1Gi" in MiB; throws on anything else, naming the value. */
export function memoryMiB(memory: string): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!match) throw new RangeError(`memory must be a whole number of Mi or Gi, got "${memory}"`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * The vCPUs of an instance: `cpu` when set ("1", "2", "0.5"), else the default for its memory,
 * which exists only for the sizes in the table.
 */
export function vcpuOf(memory: string, cpu?: string | null): number {
  if (cpu !== undefined && cpu !== null) {
    const value = Number(cpu);
    if (!(value > 0)) throw new RangeError(`cpu must be a number of vCPUs > 0, got "${cpu}"`);
    return value;
  }
  const mib = memoryMiB(memory);
  const value = DEFAULT_CPU_BY_MEMORY_MIB[mib];
  if (value === undefined) {
    throw new RangeError(`no default CPU for memory = "${memory}": set cpu in the tfvars`);
  }
  return value;
}
