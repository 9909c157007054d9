import {
  checkConnectionBudgets,
  checkSizing,
  connectionBudget,
  describeBudget,
  deployedSizing,
} from './support/connection-budget';
import { copyConfig, loadTerraform, type Body, type TerraformConfig } from './support/terraform';

/**
 * Every environment's functions, at their max instances with full pools, plus the reserved
 * connections, fit the max_connections its tfvars set on the instance.
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const sizingOf = (c: TerraformConfig, environment: string, name: string) =>
  ((c.tfvars.get(environment)!.functions as Record<string, Body>)[name]!.sizing ?? {}) as Body;

describe('the connection budget', () => {
  it('fits in every environment, and the Terraform counts what this sums', () => {
    expect(checkConnectionBudgets(config)).toEqual([]);
    expect(
      [...config.tfvars.keys()].map((e) => describeBudget(connectionBudget(config, e))),
    ).toEqual([
      'development: functions 13 (audit-log 2, health 1, people 5, project-stats 2, relay-outbox 1, stats 2) + reserved 8 = 21 <= max_connections 25',
      'production: functions 108 (audit-log 15, health 2, people 50, project-stats 15, relay-outbox 1, stats 25) + reserved 8 = 116 <= max_connections 200',
      'testing: functions 47 (audit-log 10, health 1, people 15, project-stats 10, relay-outbox 1, stats 10) + reserved 8 = 55 <= max_connections 100',
    ]);
  });

  it("gives a function the module's defaults for what its tfvars leave out", () => {
    const broken = copyConfig(config);
    delete sizingOf(broken, 'testing', 'health').db_pool_max;
    delete sizingOf(broken, 'testing', 'health').max_instances;
    expect(deployedSizing(broken, 'testing', 'health')).toMatchObject({
      max_instances: 10,
      db_pool_max: 1,
      memory: '256Mi',
    });
    expect(connectionBudget(broken, 'testing').functions.health).toBe(10);
  });

  it('fails on a tfvars change that breaks it, naming the environment and the numbers', () => {
    const broken = copyConfig(config);
    sizingOf(broken, 'development', 'people').max_instances = 2;
    expect(checkConnectionBudgets(broken)).toEqual([
      'terraform/envs/development.tfvars: connection budget broken: development: functions 18 (audit-log 2, health 1, people 10, project-stats 2, relay-outbox 1, stats 2) + reserved 8 = 26 > max_connections 25',
    ]);
  });

  it('fails when an environment sets no max_connections, or a lower one', () => {
    const broken = copyConfig(config);
    const instance = (e: string) => (broken.tfvars.get(e)!.database as Body).instance as Body;
    delete instance('testing').max_connections;
    instance('production').max_connections = 100;
    expect(checkConnectionBudgets(broken)).toEqual([
      'terraform/envs/production.tfvars: connection budget broken: production: functions 108 (audit-log 15, health 2, people 50, project-stats 15, relay-outbox 1, stats 25) + reserved 8 = 116 > max_connections 100',
      "terraform/envs/testing.tfvars: database.instance.max_connections is not set: the budget needs the instance's limit",
    ]);
  });

  it('fails when the Terraform stops counting as this does', () => {
    const broken = copyConfig(config);
    const fn = broken.modules.get('modules/cloud-function')!;
    fn.outputs.get('max_connections')!.body.value = '${var.sizing.max_instances}';
    const root = broken.modules.get('')!;
    (root.locals.get('reserved_connections')!.value as Body).pipeline = 1;
    expect(checkConnectionBudgets(broken)).toEqual([
      'terraform/modules/cloud-function/outputs.tf: output max_connections must be var.sizing.max_instances * var.sizing.db_pool_max',
      "terraform/database.tf: local.reserved_connections.pipeline is 1, but the pipeline's migrations run with the code's default DB_POOL_MAX, 5",
    ]);
  });
});

describe("each environment's sizing", () => {
  it('gives every instance that serves concurrent requests a whole CPU and a pool within its concurrency', () => {
    expect(checkSizing(config)).toEqual([]);
  });

  it('is reported when it would not (what the module refuses at plan)', () => {
    const broken = copyConfig(config);
    delete sizingOf(broken, 'production', 'stats').cpu;
    sizingOf(broken, 'testing', 'audit-log').db_pool_max = 6;
    expect(checkSizing(broken)).toEqual([
      'terraform/envs/production.tfvars: functions.stats.sizing: concurrency 16 needs a whole CPU, but cpu is unset',
      'terraform/envs/testing.tfvars: functions.audit-log.sizing: db_pool_max 6 must be 1 to its concurrency, 5',
    ]);
  });
});
