import { COMPILE_CACHE_DIR } from '../../scripts/compile-cache';
import {
  DEFAULT_MEMORY,
  OLD_SPACE_FRACTION,
  RUNTIME_COMPILE_CACHE,
  RUNTIME_COMPILE_CACHE_DIR,
  RUNTIME_NODE_OPTIONS,
} from '../../shared/deploy/sizing';
import { loadTerraform, local, rootModule, type TerraformConfig } from './support/terraform';

/**
 * The launcher (test/support/launcher.ts) runs every function with the Node flags Terraform
 * deploys it with, restated in shared/deploy/sizing.ts: these are the same as Terraform's.
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const cloudFunction = () => {
  const module = config.modules.get('modules/cloud-function');
  if (!module) throw new Error('terraform/modules/cloud-function is gone');
  return module;
};

describe("the launcher's Node flags and Terraform's", () => {
  it('start from the NODE_OPTIONS every function gets', () => {
    const runtime = local<Record<string, string>>(rootModule(config), 'runtime_environment');
    expect(runtime.NODE_OPTIONS).toBe(RUNTIME_NODE_OPTIONS);
  });

  it("point NODE_COMPILE_CACHE at the cache the image's build wrote in the function's folder", () => {
    const runtime = local<Record<string, string>>(rootModule(config), 'runtime_environment');
    expect(runtime.NODE_COMPILE_CACHE).toBe(RUNTIME_COMPILE_CACHE);
    expect(RUNTIME_COMPILE_CACHE).toBe(`/workspace/${RUNTIME_COMPILE_CACHE_DIR}`);
    expect(RUNTIME_COMPILE_CACHE_DIR).toBe(COMPILE_CACHE_DIR);
  });

  it('add an old space of the same fraction of the memory, after them', () => {
    const expression = String(local(cloudFunction(), 'environment_variables'));
    const appended =
      /NODE_OPTIONS = trimspace\("\$\{lookup\(var\.environment_variables, "NODE_OPTIONS", ""\)\} --max-old-space-size=\$\{floor\(local\.memory_mib \* (\d+) \/ (\d+)\)\}"\)/.exec(
        expression,
      );
    if (!appended)
      throw new Error(
        `modules/cloud-function/main.tf no longer appends --max-old-space-size=\${floor(local.memory_mib * N / D)} to NODE_OPTIONS; make shared/deploy/sizing.ts do what it does now:\n${expression}`,
      );
    expect({ numerator: Number(appended[1]), denominator: Number(appended[2]) }).toEqual(
      OLD_SPACE_FRACTION,
    );
    // memoryLimitMiB's reading of "Mi" and "Gi".
    expect(String(local(cloudFunction(), 'memory_mib')).replace(/\s+/g, ' ')).toBe(
      '${( endswith(var.sizing.memory, "Gi") ? tonumber(trimsuffix(var.sizing.memory, "Gi")) * 1024 : tonumber(trimsuffix(var.sizing.memory, "Mi")) )}',
    );
  });

  it('assume the memory every sizing defaults to', () => {
    const defaults = [...config.modules.values()].flatMap((module) =>
      [...module.variables.values()].flatMap((variable) =>
        [
          ...String(variable.body.type ?? '').matchAll(
            /memory\s*=\s*optional\(string,\s*"([^"]*)"\)/g,
          ),
        ].map((match) => `${variable.file}: ${match[1]}`),
      ),
    );
    // Sizing has one definition (modules/cloud-function), which the root passes through whole.
    expect(defaults).toEqual([`terraform/modules/cloud-function/variables.tf: ${DEFAULT_MEMORY}`]);
  });
});
