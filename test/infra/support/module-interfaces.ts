import { join, normalize } from 'node:path';
import {
  blocks,
  isMigrationSource,
  strings,
  type Declaration,
  type TerraformConfig,
  type TerraformModule,
} from './terraform';

/**
 * What `terraform validate` would say about how the modules fit together, without providers:
 * every module call passes only variables the module declares and every one it requires;
 * `var.`, `local.` and `module.<call>.<output>` references resolve; every variable has a type
 * and a description and every output a description (the style of cloud-foundation-fabric);
 * moved and removed blocks name, in `from`, only what the module no longer declares; and each
 * envs/*.tfvars sets only root variables, including every required one.
 */
const CALL_META = new Set(['source', 'version', 'count', 'for_each', 'depends_on', 'providers']);

function requiredVariables(module: TerraformModule): string[] {
  return [...module.variables.values()].filter((v) => !('default' in v.body)).map((v) => v.name);
}

/** The module a call's local source points to (./x or ../x), relative to terraform/. */
function calledModule(
  config: TerraformConfig,
  caller: TerraformModule,
  source: unknown,
): TerraformModule | undefined {
  if (typeof source !== 'string' || !source.startsWith('.')) return undefined;
  return config.modules.get(normalize(join(caller.dir, source)).replace(/^\.$/, ''));
}

/**
 * Whether a moved or removed block's `from` (module.a[...].module.b.type.name, or a module) is
 * still declared: Terraform refuses to move or forget what the configuration still declares.
 */
function stillDeclared(config: TerraformConfig, module: TerraformModule, from: string): boolean {
  let current: TerraformModule | undefined = module;
  let rest = from;
  for (;;) {
    const step = /^module\.([\w-]+)(?:\[[^\]]*\])?\.?/.exec(rest);
    if (!step) break;
    const call: Declaration | undefined = current.moduleCalls.find((c) => c.name === step[1]);
    if (!call) return false;
    rest = rest.slice(step[0].length);
    if (rest === '') return true;
    current = calledModule(config, current, call.body.source);
    if (!current) return false;
  }
  const resource = /^([a-z0-9_]+\.[\w-]+)/.exec(rest)?.[1];
  return resource !== undefined && current.resources.some((r) => r.address === resource);
}

function checkMigrations(
  config: TerraformConfig,
  module: TerraformModule,
  problems: string[],
): void {
  for (const [file, body] of module.files)
    for (const kind of ['moved', 'removed'])
      for (const [i, block] of blocks(body, kind).entries()) {
        const from = String(block.from).replace(/^\$\{(.*)\}$/s, '$1');
        if (stillDeclared(config, module, from))
          problems.push(
            `${file}: ${kind}[${i}].from: ${from} is still declared; ${kind} names what is gone`,
          );
      }
}

export function checkModuleInterfaces(config: TerraformConfig): string[] {
  const problems: string[] = [];
  for (const module of config.modules.values()) {
    const where = `terraform/${module.dir || '.'}`;

    for (const call of module.moduleCalls) {
      const target = calledModule(config, module, call.body.source);
      if (!target) {
        problems.push(
          `${call.file}: ${call.address}: source ${String(call.body.source)} is not a module of terraform/`,
        );
        continue;
      }
      for (const argument of Object.keys(call.body).filter((a) => !CALL_META.has(a)))
        if (!target.variables.has(argument))
          problems.push(
            `${call.file}: ${call.address}: terraform/${target.dir} has no variable ${argument}`,
          );
      for (const required of requiredVariables(target))
        if (!(required in call.body))
          problems.push(
            `${call.file}: ${call.address}: missing required variable ${required} of terraform/${target.dir}`,
          );
    }

    const calls = new Map(module.moduleCalls.map((c) => [c.name, c]));
    for (const [file, body] of module.files) {
      for (const [path, text] of strings(body)) {
        if (!text.includes('${') || isMigrationSource(path)) continue;
        for (const [, name] of text.matchAll(/(?<![\w.])var\.([a-zA-Z_][\w-]*)/g))
          if (!module.variables.has(name!))
            problems.push(`${file}: ${path}: var.${name} is not a variable of ${where}`);
        for (const [, name] of text.matchAll(/(?<![\w.])local\.([a-zA-Z_][\w-]*)/g))
          if (!module.locals.has(name!))
            problems.push(`${file}: ${path}: local.${name} is not a local of ${where}`);
        for (const [, name, output] of text.matchAll(
          /(?<![\w.])module\.([a-zA-Z_][\w-]*)(?:\[[^\]]*\])?(?:\.([a-zA-Z_][\w-]*))?/g,
        )) {
          const call = calls.get(name!);
          if (!call) {
            problems.push(`${file}: ${path}: module.${name} is not a module call of ${where}`);
            continue;
          }
          const target = calledModule(config, module, call.body.source);
          if (output && target && !target.outputs.has(output))
            problems.push(
              `${file}: ${path}: module.${name}.${output}: terraform/${target.dir} has no output ${output}`,
            );
        }
      }
    }

    checkMigrations(config, module, problems);

    for (const variable of module.variables.values()) {
      if (!('type' in variable.body))
        problems.push(`${variable.file}: ${variable.address}: no type`);
      if (!variable.body.description)
        problems.push(`${variable.file}: ${variable.address}: no description`);
    }
    for (const output of module.outputs.values())
      if (!output.body.description)
        problems.push(`${output.file}: ${output.address}: no description`);
  }

  const root = config.modules.get('');
  if (root) {
    for (const [environment, values] of config.tfvars) {
      for (const name of Object.keys(values))
        if (!root.variables.has(name))
          problems.push(
            `terraform/envs/${environment}.tfvars: ${name} is not a variable of terraform/`,
          );
      for (const name of requiredVariables(root))
        if (!(name in values))
          problems.push(
            `terraform/envs/${environment}.tfvars: sets no ${name}, which terraform/ requires`,
          );
    }
  }
  return problems;
}
