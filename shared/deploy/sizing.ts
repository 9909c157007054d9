// What Terraform gives a function of a given sizing, for the image build (scripts/build.ts), the
// tests' launcher and the benchmark to reproduce: the Node flags it deploys with and the CPU
// share Cloud Run grants. Terraform itself lives in terraform/;
// test/infra/launcher-flags.test.ts checks these constants against it.

/**
 * A function's resources as the tfvars give them (`functions` in terraform/variables.tf):
 * memory as "256Mi" or "1Gi"; cpu unset (Cloud Run's default for the memory) or a number of
 * vCPUs ("1", "0.5", "500m").
 */
export interface Sizing {
  memory?: string;
  cpu?: string | null;
}

/** The memory a function gets when its tfvars entry says none (the optional() default). */
export const DEFAULT_MEMORY = '256Mi';

/**
 * NODE_OPTIONS every function gets (`local.runtime_environment` in terraform/declarations.tf):
 * none (no --enable-source-maps: shared/runtime/source-maps.ts maps stacks when formatted).
 */
export const RUNTIME_NODE_OPTIONS = '';

/**
 * Where NODE_COMPILE_CACHE points (`local.runtime_environment`): the compile cache the image's
 * build wrote in the function's folder (scripts/compile-cache.ts), which buildpacks put in
 * /workspace. The launcher uses the same folder of the bundle it serves.
 */
export const RUNTIME_COMPILE_CACHE = '/workspace/.compile-cache';
export const RUNTIME_COMPILE_CACHE_DIR = '.compile-cache';

/**
 * V8's old generation as a fraction of the instance's memory, as
 * terraform/modules/cloud-function/main.tf sets --max-old-space-size:
 * floor(memory_mib * numerator / denominator).
 */
export const OLD_SPACE_FRACTION = { numerator: 3, denominator: 8 };

/**
 * Cloud Run's default CPU for a memory limit, when `available_cpu` is unset: the table at
 * https://cloud.google.com/functions/docs/configuring/memory ("Configure memory and vCPU
 * limits"), in MiB and vCPUs.
 */
const CPU_BY_MEMORY: readonly (readonly [number, number])[] = [
  [128, 0.083],
  [256, 0.167],
  [512, 0.333],
  [1024, 0.583],
  [2048, 1],
  [4096, 2],
  [8192, 2],
  [16384, 4],
  [32768, 8],
];

/** The memory limit in MiB ("256Mi" is 256, "1Gi" is 1024); throws on any other form. */
export function memoryLimitMiB(sizing: Sizing): number {
  const memory = sizing.memory ?? DEFAULT_MEMORY;
  const match = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!match) throw new Error(`sizing.memory must be like "256Mi" or "1Gi", not ${memory}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

/**
 * The vCPUs an instance of this sizing gets: `cpu` when set, else Cloud Run's default for the
 * memory (a memory between two rows of the table gets the larger row's CPU).
 */
export function vcpuShare(sizing: Sizing): number {
  if (sizing.cpu != null && sizing.cpu !== '') {
    const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(sizing.cpu);
    if (!match) throw new Error(`sizing.cpu must be a number of vCPUs, not ${sizing.cpu}`);
    return Number(match[1]) / (match[2] ? 1000 : 1);
  }
  const mib = memoryLimitMiB(sizing);
  const row = CPU_BY_MEMORY.find(([memory]) => memory >= mib);
  if (!row) throw new Error(`Cloud Run has no default CPU for ${sizing.memory}: set sizing.cpu`);
  return row[1];
}

/** The NODE_OPTIONS Terraform deploys a function of this sizing with. */
export function deployedNodeOptions(sizing: Sizing): string {
  const { numerator, denominator } = OLD_SPACE_FRACTION;
  const oldSpace = Math.floor((memoryLimitMiB(sizing) * numerator) / denominator);
  // trimspace(), as the module does.
  return `${RUNTIME_NODE_OPTIONS} --max-old-space-size=${oldSpace}`.trim();
}
