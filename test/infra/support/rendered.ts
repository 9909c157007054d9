import { calledModule, evaluate, render, Unknown, type Scope } from './evaluate';
import type { Body, Declaration, TerraformConfig } from './terraform';

/**
 * Resources as one plan would make them, offline: each instance of a resource (its for_each
 * or count), in each instance of the module call that makes it, with every argument evaluated
 * as far as the configuration decides it (evaluate.ts). What the tfvars or the provider decide
 * stays an Unknown, shown as <expression> in the text.
 */
export interface RenderedResource {
  /** module.<call>[key].<type>.<name>[key], as Terraform names the instance. */
  address: string;
  file: string;
  type: string;
  name: string;
  body: Body;
  /** The declaration's arguments as written, for checks on how one is spelled. */
  declared: Body;
}

/** The instances a for_each or count makes: their each, or one without. */
function instances(
  declaration: Declaration,
  scope: Scope,
): { key?: string; each?: Scope['each'] }[] {
  if (declaration.body.for_each !== undefined) {
    const all = evaluate(declaration.body.for_each, scope);
    if (!all || typeof all !== 'object' || all instanceof Unknown) return [{}];
    return Object.entries(all).map(([key, value]) => ({
      key: Array.isArray(all) ? String(value) : key,
      each: { key: Array.isArray(all) ? String(value) : key, value },
    }));
  }
  if (declaration.body.count !== undefined) {
    const count = evaluate(declaration.body.count, scope);
    // An unknown count (a variable's null test): the resource may exist; check it once.
    if (typeof count !== 'number') return [{}];
    return Array.from({ length: count }, (_, i) => ({ key: String(i) }));
  }
  return [{}];
}

const instance = (address: string, key: string | undefined) =>
  key === undefined ? address : `${address}[${JSON.stringify(key)}]`;

/** Every instance of every resource of these types that the root module and its calls make. */
export function renderedResources(config: TerraformConfig, types: string[]): RenderedResource[] {
  const root = config.modules.get('');
  if (!root) return [];
  const found: RenderedResource[] = [];
  const add = (scope: Scope, prefix: string) => {
    for (const resource of scope.module.resources.filter((r) => types.includes(r.type)))
      for (const { key, each } of instances(resource, scope))
        found.push({
          address: `${prefix}${instance(resource.address, key)}`,
          file: resource.file,
          type: resource.type,
          name: resource.name,
          body: evaluate(resource.body, { ...scope, each }) as Body,
          declared: resource.body,
        });
  };
  const rootScope: Scope = { config, module: root };
  add(rootScope, '');
  for (const call of root.moduleCalls) {
    const module = calledModule(rootScope, call);
    if (!module?.resources.some((r) => types.includes(r.type))) continue;
    for (const { key, each } of instances(call, rootScope))
      add(
        { config, module, caller: { call, scope: { ...rootScope, each } } },
        `${instance(call.address, key)}.`,
      );
  }
  return found;
}

/** The scope inside the module a root module call makes (its first instance). */
export function callScope(config: TerraformConfig, address: string): Scope | undefined {
  const root = config.modules.get('');
  const call = root?.moduleCalls.find((c) => c.address === address);
  if (!root || !call) return undefined;
  const rootScope: Scope = { config, module: root };
  const module = calledModule(rootScope, call);
  return module && { config, module, caller: { call, scope: rootScope } };
}

/** Every string of an evaluated value (Unknowns as their text), with its path. */
export function renderedStrings(value: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (v: unknown, path: string) => {
    if (v instanceof Unknown || typeof v === 'string') out.push([path, render(v)]);
    else if (v && typeof v === 'object')
      for (const [key, item] of Object.entries(v))
        walk(item, Array.isArray(v) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
  };
  walk(value, '');
  return out;
}
