import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { evaluate, firstUnknown } from './evaluate';

/**
 * The Terraform configuration under terraform/, parsed offline with @cdktf/hcl2json (HCL to
 * the JSON syntax: blocks become arrays of objects, expressions become "${...}" strings).
 * Every check in test/infra reads this model, and the fault tests change a copy of it.
 */
export const REPO = resolve(__dirname, '../../..');
export const TERRAFORM_DIR = join(REPO, 'terraform');

/** An HCL body in hcl2json's JSON form. */
export type Body = Record<string, unknown>;

/** A named block of a module: a resource, data source, module call, variable or output. */
export interface Declaration {
  /** Path from the repository root, for messages. */
  file: string;
  /** `google_pubsub_topic.this`, `module.network`, `var.region`, ... */
  address: string;
  /** Resource or data source type; '' for the other kinds. */
  type: string;
  name: string;
  body: Body;
}

/** One directory of .tf files. */
export interface TerraformModule {
  /** Path from terraform/ ('' for the root module). */
  dir: string;
  resources: Declaration[];
  dataSources: Declaration[];
  ephemeral: Declaration[];
  moduleCalls: Declaration[];
  variables: Map<string, Declaration>;
  outputs: Map<string, Declaration>;
  locals: Map<string, { file: string; value: unknown }>;
  /** Each .tf file's whole parsed body, by path from the repository root. */
  files: Map<string, Body>;
}

export interface TerraformConfig {
  /** By directory relative to terraform/; the root module is ''. */
  modules: Map<string, TerraformModule>;
  /** envs/<environment>.tfvars, parsed, by environment. */
  tfvars: Map<string, Body>;
}

/** The first (for blocks that can appear once) or every instance of a block in a body. */
export function blocks(body: Body, name: string): Body[] {
  const value = body[name];
  return Array.isArray(value) ? (value as Body[]) : [];
}

/**
 * Whether a string is the `from` of a moved or removed block: an address that must no longer
 * be declared (reference checks skip it; checkModuleInterfaces checks it is gone).
 */
export function isMigrationSource(path: string): boolean {
  return /^(moved|removed)\[\d+\]\.from$/.test(path);
}

/** Whether a value is an expression (anything hcl2json could not turn into a literal). */
export function isExpression(value: unknown): value is string {
  return typeof value === 'string' && value.includes('${');
}

/** Every string anywhere inside a value, with the path that leads to it. */
export function* strings(value: unknown, path = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value))
    for (const [i, item] of value.entries()) yield* strings(item, `${path}[${i}]`);
  else if (value && typeof value === 'object')
    for (const [key, item] of Object.entries(value))
      yield* strings(item, path ? `${path}.${key}` : key);
}

function tfFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .map((f) => join(dir, f));
}

function moduleDirs(dir: string): string[] {
  const found = tfFiles(dir).length > 0 ? [dir] : [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (entry.startsWith('.') || entry === 'tests' || !statSync(path).isDirectory()) continue;
    found.push(...moduleDirs(path));
  }
  return found;
}

/** A module with nothing declared yet (addFile fills it). */
export function emptyModule(dir: string): TerraformModule {
  return {
    dir,
    resources: [],
    dataSources: [],
    ephemeral: [],
    moduleCalls: [],
    variables: new Map(),
    outputs: new Map(),
    locals: new Map(),
    files: new Map(),
  };
}

/** Adds one parsed file's declarations to its module. */
export function addFile(module: TerraformModule, file: string, body: Body): void {
  module.files.set(file, body);
  const typed = (kind: 'resource' | 'data' | 'ephemeral', into: Declaration[]) => {
    for (const [type, named] of Object.entries((body[kind] ?? {}) as Record<string, Body>))
      for (const [name, instances] of Object.entries(named as Record<string, Body[]>))
        for (const instance of instances)
          into.push({
            file,
            address: `${kind === 'resource' ? '' : `${kind}.`}${type}.${name}`,
            type,
            name,
            body: instance,
          });
  };
  typed('resource', module.resources);
  typed('data', module.dataSources);
  typed('ephemeral', module.ephemeral);
  const named = (kind: string, prefix: string, add: (d: Declaration) => void) => {
    for (const [name, instances] of Object.entries((body[kind] ?? {}) as Record<string, Body[]>))
      for (const instance of instances)
        add({ file, address: `${prefix}.${name}`, type: '', name, body: instance });
  };
  named('module', 'module', (d) => module.moduleCalls.push(d));
  named('variable', 'var', (d) => module.variables.set(d.name, d));
  named('output', 'output', (d) => module.outputs.set(d.name, d));
  for (const locals of blocks(body, 'locals'))
    for (const [name, value] of Object.entries(locals)) module.locals.set(name, { file, value });
}

/** Parses one HCL text (a .tf or .tfvars file). */
export async function parseHcl(file: string, text: string): Promise<Body> {
  return (await parse(file, text)) as Body;
}

/** Parses every .tf file under terraform/ (except tests and .terraform) and envs/*.tfvars. */
export async function loadTerraform(dir = TERRAFORM_DIR): Promise<TerraformConfig> {
  const config: TerraformConfig = { modules: new Map(), tfvars: new Map() };
  for (const moduleDir of moduleDirs(dir)) {
    const module = emptyModule(relative(dir, moduleDir));
    for (const path of tfFiles(moduleDir))
      addFile(module, relative(REPO, path), await parseHcl(path, readFileSync(path, 'utf8')));
    config.modules.set(module.dir, module);
  }
  const envs = join(dir, 'envs');
  for (const file of readdirSync(envs)
    .filter((f) => f.endsWith('.tfvars'))
    .sort()) {
    const path = join(envs, file);
    config.tfvars.set(
      file.replace(/\.tfvars$/, ''),
      await parseHcl(path, readFileSync(path, 'utf8')),
    );
  }
  return config;
}

/** A deep copy to break in a fault test without touching the shared one. */
export function copyConfig(config: TerraformConfig): TerraformConfig {
  return structuredClone(config);
}

/** The root module. */
export function rootModule(config: TerraformConfig): TerraformModule {
  const root = config.modules.get('');
  if (!root) throw new Error('terraform/ has no root module');
  return root;
}

/** A declaration by address in a module, or a thrown error naming what is missing. */
export function find(module: TerraformModule, address: string): Declaration {
  const all = [
    ...module.resources,
    ...module.dataSources,
    ...module.moduleCalls,
    ...module.variables.values(),
    ...module.outputs.values(),
  ];
  const found = all.find((d) => d.address === address);
  if (!found) throw new Error(`terraform/${module.dir}: no ${address}`);
  return found;
}

/** A local's literal value, or a thrown error when it is missing. */
export function local<T>(module: TerraformModule, name: string): T {
  const found = module.locals.get(name);
  if (!found) throw new Error(`terraform/${module.dir}: no local.${name}`);
  return found.value as T;
}

/**
 * A local's value as Terraform computes it, when the configuration alone decides it (literals,
 * other locals, concat(), for-expressions; see evaluate.ts). Anything that depends on a
 * variable, a provider or an unsupported function throws, naming the expression, so a check
 * never compares an expression's text by mistake.
 */
export function evaluatedLocal<T>(module: TerraformModule, name: string): T {
  const where = `${module.locals.get(name)?.file ?? `terraform/${module.dir}`}: local.${name}`;
  const value = evaluate(local(module, name), { module });
  const unknown = firstUnknown(value);
  if (unknown)
    throw new Error(
      unknown.expression.includes('${')
        ? `${where}: cannot evaluate "${unknown.expression}" offline`
        : `${where}: cannot evaluate \${${unknown.expression}} offline; use literals, local.<name> and concat()`,
    );
  return value as T;
}
