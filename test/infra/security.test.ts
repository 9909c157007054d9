import { deployments } from '../../shared/deploy/functions';
import { checkSecurity } from './support/security';
import {
  blocks,
  copyConfig,
  find,
  loadTerraform,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

/** The security problems of a copy of the configuration after `change`. */
function afterChange(change: (c: TerraformConfig) => void): string[] {
  const copy = copyConfig(config);
  change(copy);
  return checkSecurity(copy, deployments);
}

const moduleAt = (c: TerraformConfig, dir: string) => c.modules.get(dir)!;
const resource = (c: TerraformConfig, dir: string, type: string) =>
  moduleAt(c, dir).resources.find((r) => r.type === type)!;

describe('least privilege', () => {
  it('holds for the configuration and every environment', () => {
    expect(checkSecurity(config, deployments)).toEqual([]);
  });

  it('makes public only read-only HTTP functions, and never people', () => {
    for (const [, values] of config.tfvars) {
      const functions = (values.functions ?? {}) as Record<string, { public?: boolean }>;
      const open = Object.entries(functions)
        .filter(([, f]) => f.public)
        .map(([name]) => name);
      for (const name of open)
        expect(deployments.find((d) => d.name === name)).toMatchObject({
          readOnly: true,
          kind: 'http',
        });
      expect(open).not.toContain('people');
    }
  });

  it('gives Cloud SQL no authorized network and admits only the Auth Proxy and connectors', () => {
    const sql = resource(config, 'modules/cloud-sql-postgres', 'google_sql_database_instance');
    const settings = blocks(sql.body, 'settings')[0]!;
    expect(settings.connector_enforcement).toBe('REQUIRED');
    expect(blocks(settings, 'ip_configuration')[0]).not.toHaveProperty('authorized_networks');
  });
});

describe('the security check refuses', () => {
  it.each<[string, (c: TerraformConfig) => void, string]>([
    [
      'an authorized network on Cloud SQL',
      (c) => {
        const ip = blocks(
          blocks(
            resource(c, 'modules/cloud-sql-postgres', 'google_sql_database_instance').body,
            'settings',
          )[0]!,
          'ip_configuration',
        )[0]!;
        ip.authorized_networks = [{ name: 'anywhere', value: '0.0.0.0/0' }];
      },
      'settings.ip_configuration has authorized_networks',
    ],
    [
      'direct connections to Cloud SQL',
      (c) => {
        blocks(
          resource(c, 'modules/cloud-sql-postgres', 'google_sql_database_instance').body,
          'settings',
        )[0]!.connector_enforcement = 'NOT_REQUIRED';
      },
      'connector_enforcement must be REQUIRED',
    ],
    [
      'allUsers granted outside the public switch',
      (c) => {
        moduleAt(c, '').resources.push({
          file: 'terraform/functions.tf',
          address: 'google_cloud_run_v2_service_iam_member.open',
          type: 'google_cloud_run_v2_service_iam_member',
          name: 'open',
          body: { name: 'people', role: 'roles/run.invoker', member: 'allUsers' },
        });
        const file = moduleAt(c, '').files.get('terraform/functions.tf')!;
        (file.resource as Body).google_cloud_run_v2_service_iam_member = {
          open: [{ name: 'people', role: 'roles/run.invoker', member: 'allUsers' }],
        };
      },
      'grants allUsers, which organisations with domain-restricted sharing refuse',
    ],
    [
      'the allUsers invoker of before, for a public function',
      (c) => {
        const file = moduleAt(c, 'modules/cloud-function').files.get(
          'terraform/modules/cloud-function/iam.tf',
        )!;
        const locals = (file.locals as Body[])[0]!;
        locals.invokers = String(locals.invokers).replace(
          ': lookup(var.iam, "roles/run.invoker", [])',
          ': concat(lookup(var.iam, "roles/run.invoker", []), local.public ? ["allUsers"] : [])',
        );
      },
      'terraform/modules/cloud-function/iam.tf: locals[0].invokers: grants allUsers',
    ],
    [
      'a public function whose service still checks invokers',
      (c) => {
        resource(
          c,
          'modules/cloud-function',
          'google_cloud_run_v2_service',
        ).body.invoker_iam_disabled = false;
      },
      'invoker_iam_disabled must be local.public',
    ],
    [
      'a function that writes made public by its module',
      (c) => {
        const open = moduleAt(c, 'modules/cloud-function').locals.get('public')!;
        open.value = String(open.value).replace(' && var.trigger.http.read_only', '');
      },
      'invoker_iam_disabled must be local.public, true only for an HTTP function that is public and read_only',
    ],
    [
      'a function module that lets a writer be public',
      (c) => {
        moduleAt(c, 'modules/cloud-function').variables.get('trigger')!.body.validation = [];
      },
      'var.trigger must refuse a public function that is not read_only',
    ],
    [
      'a function made public whatever its declaration says',
      (c) => {
        const call = find(rootModule(c), 'module.functions');
        call.body.trigger = String(call.body.trigger).replace(
          'read_only = each.value.read_only',
          'read_only = true',
        );
      },
      'module.functions may make a function public only through var.functions[<name>].public',
    ],
    [
      'a project-wide secret accessor',
      (c) => {
        moduleAt(c, '').resources.push({
          file: 'terraform/iam.tf',
          address: 'google_project_iam_member.secrets',
          type: 'google_project_iam_member',
          name: 'secrets',
          body: {
            project: 'p',
            role: 'roles/secretmanager.secretAccessor',
            member: 'serviceAccount:x',
          },
        });
      },
      'grants roles/secretmanager.secretAccessor beyond a single secret',
    ],
    [
      'a function reading every secret',
      (c) => {
        const call = find(rootModule(c), 'module.secrets');
        call.body.secrets = String(call.body.secrets).replace(
          ' if contains(f.secrets, setting)',
          '',
        );
      },
      "a secret's readers must be the functions whose declaration lists it",
    ],
    [
      'more project roles for the functions',
      (c) => {
        rootModule(c).locals.get('function_project_roles')!.value = [
          'roles/cloudsql.client',
          'roles/cloudsql.instanceUser',
          'roles/pubsub.editor',
        ];
      },
      "a function's only project roles are roles/cloudsql.client and roles/cloudsql.instanceUser",
    ],
    [
      'a shared service account',
      (c) => {
        find(rootModule(c), 'module.functions').body.service_account_email =
          '${module.service_accounts.emails["fn-people"]}';
      },
      'must run each function as its own service account',
    ],
    [
      'every function publishing events',
      (c) => {
        const call = find(rootModule(c), 'module.events_topic');
        call.body.iam = String(call.body.iam).replace(' if f.publishes_events', '');
      },
      "the events topic's publishers must be the functions that publish",
    ],
    [
      'a second role on a secret',
      (c) => {
        const call = find(rootModule(c), 'module.secrets');
        call.body.secrets = String(call.body.secrets).replace(
          'iam = {',
          'iam = {\n        "roles/secretmanager.admin" = [module.service_accounts.members["deployer"]]',
        );
      },
      'a secret grants roles/secretmanager.admin, roles/secretmanager.secretAccessor; only roles/secretmanager.secretAccessor',
    ],
    [
      'an event function open to the internet',
      (c) => {
        moduleAt(c, 'modules/cloud-function').locals.get('ingress')!.value = 'INGRESS_TRAFFIC_ALL';
      },
      'a push function takes internal traffic only',
    ],
    [
      'an event function invoked by more than its push identity',
      (c) => {
        const iam = moduleAt(c, 'modules/cloud-function').locals.get('iam')!;
        iam.value = '${merge({ "roles/run.invoker" = local.invokers }, var.iam)}';
      },
      'a push function is invoked by its push identity alone',
    ],
    [
      'a basic role',
      (c) => {
        rootModule(c).locals.get('deployer_roles')!.value = ['roles/editor'];
        rootModule(c).files.get('terraform/iam.tf')!.locals = [
          { deployer_roles: ['roles/editor'] },
        ];
      },
      'grants a basic role (roles/editor)',
    ],
  ])('%s', (_title, change, message) => {
    expect(afterChange(change)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
