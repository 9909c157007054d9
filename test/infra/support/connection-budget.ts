import { Settings } from '../../../shared/config/settings';
import {
  evaluatedLocal,
  find,
  local,
  rootModule,
  type Body,
  type TerraformConfig,
  type TerraformModule,
} from './terraform';

/**
 * The connection budget of each environment, from its tfvars and the configuration alone: every
 * connection its functions may hold at once (Σ max_instances × db_pool_max, each function's
 * sizing as the tfvars give it over modules/cloud-function's defaults), plus the connections
 * reserved for others (local.reserved_connections), must fit the max_connections the tfvars set
 * on the instance. Terraform checks the same sum when planning (output connection_budget's
 * precondition); this check needs no provider, so a tfvars change that breaks it fails
 * `npm run test:infra` before any plan.
 */
export interface ConnectionBudget {
  environment: string;
  /** max_instances × db_pool_max, by function. */
  functions: Record<string, number>;
  /** local.reserved_connections: superuser-reserved, the pipeline's migrations. */
  reserved: Record<string, number>;
  total: number;
  /** database.instance.max_connections of the tfvars; undefined when it sets none. */
  maxConnections: number | undefined;
}

const FUNCTION_MODULE = 'modules/cloud-function';

/** The optional() defaults of modules/cloud-function's sizing, by field. */
export function sizingDefaults(config: TerraformConfig): Record<string, string | number> {
  const sizing = config.modules.get(FUNCTION_MODULE)?.variables.get('sizing');
  if (!sizing) throw new Error(`terraform/${FUNCTION_MODULE}: no variable sizing`);
  return Object.fromEntries(
    [
      ...String(sizing.body.type).matchAll(/(\w+)\s*=\s*optional\((?:number|string),\s*([^)]+)\)/g),
    ].map(([, field, value]) => [field!, /^"/.test(value!) ? JSON.parse(value!) : Number(value)]),
  );
}

/** A function's sizing in an environment: its tfvars entry over the module's defaults. */
export function deployedSizing(
  config: TerraformConfig,
  environment: string,
  name: string,
): Record<string, string | number> {
  const functions = (config.tfvars.get(environment)?.functions ?? {}) as Record<string, Body>;
  return { ...sizingDefaults(config), ...((functions[name]?.sizing ?? {}) as Body) } as Record<
    string,
    string | number
  >;
}

export function connectionBudget(config: TerraformConfig, environment: string): ConnectionBudget {
  const root = rootModule(config);
  const names = Object.keys(evaluatedLocal<Record<string, unknown>>(root, 'function_declarations'));
  const functions = Object.fromEntries(
    names.map((name) => {
      const sizing = deployedSizing(config, environment, name);
      return [name, Number(sizing.max_instances) * Number(sizing.db_pool_max)];
    }),
  );
  const reserved = local<Record<string, number>>(root, 'reserved_connections');
  const database = (config.tfvars.get(environment)?.database ?? {}) as {
    instance?: { max_connections?: number };
  };
  const total = [...Object.values(functions), ...Object.values(reserved)].reduce((a, b) => a + b);
  return {
    environment,
    functions,
    reserved,
    total,
    maxConnections: database.instance?.max_connections,
  };
}

/** The budget as one line: "development: 13 + 8 reserved = 21 <= 25 (people 5, ...)". */
export function describeBudget(b: ConnectionBudget): string {
  const functions = Object.values(b.functions).reduce((a, c) => a + c);
  const reserved = Object.values(b.reserved).reduce((a, c) => a + c);
  const each = Object.entries(b.functions)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
  const limit = b.maxConnections ?? 'no max_connections';
  const fits = b.maxConnections !== undefined && b.total <= b.maxConnections;
  return `${b.environment}: functions ${functions} (${each}) + reserved ${reserved} = ${b.total} ${fits ? '<=' : '>'} max_connections ${limit}`;
}

/** What the Terraform must keep for the offline sum to be the one it plans with. */
function checkWiring(config: TerraformConfig, problems: string[]): void {
  const root = rootModule(config);
  const fn = config.modules.get(FUNCTION_MODULE)!;
  const flat = (v: unknown) => String(v ?? '').replace(/\s+/g, ' ');
  if (
    flat(fn.outputs.get('max_connections')?.body.value) !==
    '${var.sizing.max_instances * var.sizing.db_pool_max}'
  )
    problems.push(
      `terraform/${FUNCTION_MODULE}/outputs.tf: output max_connections must be var.sizing.max_instances * var.sizing.db_pool_max`,
    );
  if (
    !flat(local(fn, 'environment_variables')).includes(
      'DB_POOL_MAX = tostring(var.sizing.db_pool_max)',
    )
  )
    problems.push(
      `terraform/${FUNCTION_MODULE}/main.tf: DB_POOL_MAX must be sizing.db_pool_max, the pool the budget counts`,
    );
  const pipeline = local<Record<string, number>>(root, 'reserved_connections').pipeline;
  const codeDefault = Settings.properties.DB_POOL_MAX.default;
  if (pipeline !== codeDefault)
    problems.push(
      `terraform/database.tf: local.reserved_connections.pipeline is ${pipeline}, but the pipeline's migrations run with the code's default DB_POOL_MAX, ${codeDefault}`,
    );
  const database = config.modules.get('modules/cloud-sql-postgres') as TerraformModule;
  const instance = database.resources.find((r) => r.type === 'google_sql_database_instance');
  if (
    !flat(JSON.stringify(instance?.body)).includes(
      'max_connections = tostring(var.instance.max_connections)',
    )
  )
    problems.push(
      'terraform/modules/cloud-sql-postgres/main.tf: the instance must set the max_connections flag from instance.max_connections',
    );
  const monitoring = find(root, 'module.monitoring').body.database as Body | undefined;
  if (monitoring?.max_connections !== '${module.database.max_connections}')
    problems.push(
      "terraform/monitoring.tf: the connections alert must measure against the instance's max_connections (module.database.max_connections)",
    );
}

/** Every environment whose budget does not fit, named with its numbers; [] when all fit. */
export function checkConnectionBudgets(config: TerraformConfig): string[] {
  const problems: string[] = [];
  checkWiring(config, problems);
  for (const environment of config.tfvars.keys()) {
    const budget = connectionBudget(config, environment);
    if (budget.maxConnections === undefined)
      problems.push(
        `terraform/envs/${environment}.tfvars: database.instance.max_connections is not set: the budget needs the instance's limit`,
      );
    else if (budget.total > budget.maxConnections)
      problems.push(
        `terraform/envs/${environment}.tfvars: connection budget broken: ${describeBudget(budget)}`,
      );
  }
  return problems;
}

/**
 * What modules/cloud-function's validations refuse, checked offline for every environment's
 * functions (a plan would refuse them; nothing else here runs the validations): an instance
 * that serves concurrent requests has a whole CPU (Cloud Run refuses concurrency above 1 below
 * 1 vCPU), and its pool is 1 to its concurrency.
 */
export function checkSizing(config: TerraformConfig): string[] {
  const problems: string[] = [];
  const validations = JSON.stringify(
    config.modules.get(FUNCTION_MODULE)?.variables.get('sizing')?.body.validation ?? [],
  );
  for (const rule of [
    'var.sizing.concurrency == 1 || try(tonumber(var.sizing.cpu) >= 1, false)',
    'var.sizing.db_pool_max >= 1 && var.sizing.db_pool_max <= var.sizing.concurrency',
  ])
    if (!validations.includes(rule))
      problems.push(`terraform/${FUNCTION_MODULE}/variables.tf: var.sizing must validate ${rule}`);
  const names = Object.keys(
    evaluatedLocal<Record<string, unknown>>(rootModule(config), 'function_declarations'),
  );
  for (const environment of config.tfvars.keys())
    for (const name of names) {
      const { concurrency, cpu, db_pool_max: pool } = deployedSizing(config, environment, name);
      const where = `terraform/envs/${environment}.tfvars: functions.${name}.sizing`;
      if (Number(concurrency) > 1 && !(Number(cpu) >= 1))
        problems.push(
          `${where}: concurrency ${concurrency} needs a whole CPU, but cpu is ${cpu ?? 'unset'}`,
        );
      if (!(Number(pool) >= 1 && Number(pool) <= Number(concurrency)))
        problems.push(`${where}: db_pool_max ${pool} must be 1 to its concurrency, ${concurrency}`);
    }
  return problems;
}
