import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHcl } from '../../test/infra/support/terraform';
import { memoryMiB, vcpuOf } from './function-sizing';

/**
 * An environment's deployment as the capacity model needs it, read from the Terraform
 * configuration: terraform/envs/<env>.tfvars (functions.<name>.sizing, database.instance), the
 * modules' defaults for what a tfvars leaves unset (variable "sizing" of
 * terraform/modules/cloud-function, variable "instance" of terraform/modules/cloud-sql-postgres), each function's kind (terraform/declarations.tf) and the connections kept
 * for others (terraform/database.tf, local.reserved_connections).
 */

/** One function's sizing with the module's defaults filled in. */
export interface DeployedFunction {
  name: string;
  kind: 'http' | 'event';
  memory: string;
  /** As written; null: Cloud Run's default for the memory. */
  cpu: string | null;
  vcpu: number;
  memoryGiB: number;
  concurrency: number;
  dbPoolMax: number;
  minInstances: number;
  maxInstances: number;
}

export interface DeployedEnvironment {
  name: string;
  /** Path of the tfvars, from the repository root. */
  tfvars: string;
  functions: DeployedFunction[];
  database: {
    tier: string;
    /** null when the tfvars does not set it (the tier's default then applies). */
    maxConnections: number | null;
    availability: 'ZONAL' | 'REGIONAL';
    diskGiB: number;
  };
  /** Σ local.reserved_connections. */
  reservedConnections: number;
}

/** The environment asked for has no tfvars. */
export class UnknownEnvironmentError extends Error {}

/** The environments with a terraform/envs/<name>.tfvars, sorted. */
export function environments(root: string): string[] {
  return readdirSync(join(root, 'terraform/envs'))
    .filter((f) => f.endsWith('.tfvars'))
    .map((f) => f.slice(0, -'.tfvars'.length))
    .sort();
}

/**
 * The defaults of `optional(type, default)` attributes in an object variable's type, as
 * Terraform fills them in: `memory = optional(string, "256Mi")` gives memory: "256Mi".
 */
export function optionalDefaults(
  variablesTf: string,
  variable: string,
): Record<string, string | number> {
  const block = new RegExp(
    `variable\\s+"${variable}"\\s*{[\\s\\S]*?type\\s*=\\s*object\\(\\{([\\s\\S]*?)\\}\\)`,
  ).exec(variablesTf);
  if (!block) throw new Error(`variable "${variable}" with an object type not found`);
  const defaults: Record<string, string | number> = {};
  for (const m of block[1]!.matchAll(/(\w+)\s*=\s*optional\(\s*\w+\s*,\s*("[^"]*"|[\d.]+)\s*\)/g)) {
    defaults[m[1]!] = m[2]!.startsWith('"') ? m[2]!.slice(1, -1) : Number(m[2]);
  }
  return defaults;
}

type Body = Record<string, unknown>;
const record = (v: unknown): Body => (v && typeof v === 'object' ? (v as Body) : {});
const first = (v: unknown): Body => record(Array.isArray(v) ? v[0] : v);

/** A whole number ≥ `min` from the tfvars, or an error naming where. */
function whole(value: unknown, where: string, min: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) {
    throw new RangeError(`${where} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Reads environment `name` from the repository at `root`. */
export async function readEnvironment(root: string, name: string): Promise<DeployedEnvironment> {
  const known = environments(root);
  if (!known.includes(name)) {
    throw new UnknownEnvironmentError(
      `unknown environment "${name}": known are ${known.join(', ')} (terraform/envs/<name>.tfvars)`,
    );
  }
  const read = async (path: string) =>
    parseHcl(join(root, path), readFileSync(join(root, path), 'utf8'));
  const tfvarsPath = `terraform/envs/${name}.tfvars`;
  const tfvars = await read(tfvarsPath);
  const moduleDefaults = (module: string, variable: string) =>
    optionalDefaults(
      readFileSync(join(root, `terraform/modules/${module}/variables.tf`), 'utf8'),
      variable,
    );
  const defaults = moduleDefaults('cloud-function', 'sizing');
  const declarations = await read('terraform/declarations.tf');
  const locals = first(declarations.locals);
  const declared = record(locals.function_declarations);
  const consumer = record(locals.consumer);
  const kindOf = (fn: string): 'http' | 'event' => {
    const d = declared[fn];
    // `local.consumer` is written as a reference; hcl2json keeps it as "${local.consumer}".
    const kind =
      typeof d === 'string' && d.includes('local.consumer') ? consumer.kind : record(d).kind;
    if (kind !== 'http' && kind !== 'event') {
      throw new Error(`terraform/declarations.tf: no kind for function "${fn}"`);
    }
    return kind;
  };

  const tfFunctions = record(tfvars.functions);
  const functions = Object.keys(declared)
    .sort()
    .map((fn): DeployedFunction => {
      const s = { ...defaults, ...record(record(tfFunctions[fn]).sizing) };
      const where = `${tfvarsPath}: functions.${fn}.sizing`;
      const memory = String(s.memory);
      const cpu = s.cpu === undefined || s.cpu === null ? null : String(s.cpu);
      return {
        name: fn,
        kind: kindOf(fn),
        memory,
        cpu,
        vcpu: vcpuOf(memory, cpu),
        memoryGiB: memoryMiB(memory) / 1024,
        concurrency: whole(s.concurrency, `${where}.concurrency`, 1),
        dbPoolMax: whole(s.db_pool_max, `${where}.db_pool_max`, 1),
        minInstances: whole(s.min_instances, `${where}.min_instances`, 0),
        maxInstances: whole(s.max_instances, `${where}.max_instances`, 1),
      };
    });

  const instance = {
    ...moduleDefaults('cloud-sql-postgres', 'instance'),
    ...record(record(tfvars.database).instance),
  };
  if (typeof instance.tier !== 'string') {
    throw new Error(`${tfvarsPath}: database.instance.tier is not set`);
  }
  const availability = instance.availability_type === 'REGIONAL' ? 'REGIONAL' : 'ZONAL';
  const databaseTf = await read('terraform/database.tf');
  const reserved = record(first(databaseTf.locals).reserved_connections);
  return {
    name,
    tfvars: tfvarsPath,
    functions,
    database: {
      tier: instance.tier,
      maxConnections:
        instance.max_connections === undefined
          ? null
          : whole(instance.max_connections, `${tfvarsPath}: database.instance.max_connections`, 1),
      availability,
      diskGiB: whole(instance.disk_size_gb, `${tfvarsPath}: database.instance.disk_size_gb`, 1),
    },
    reservedConnections: Object.values(reserved).reduce<number>((s, v) => s + Number(v), 0),
  };
}

/** Whether `root` looks like this repository (for the CLI's message when run elsewhere). */
export const isRepository = (root: string) => existsSync(join(root, 'terraform/envs'));
