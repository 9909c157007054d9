import type { FunctionDeployment } from '../../../shared/deploy/functions';
import {
  blocks,
  find,
  local,
  rootModule,
  strings,
  type Body,
  type TerraformConfig,
} from './terraform';

/**
 * Least privilege, checked on the parsed configuration:
 * - no basic role (owner, editor, viewer) anywhere;
 * - allUsers / allAuthenticatedUsers nowhere (organisations with domain-restricted sharing
 *   refuse them): a function is public only through modules/cloud-function's
 *   trigger.http.public, which turns Cloud Run's invoker check off (invoker_iam_disabled), which
 *   that module refuses for a function that writes, and which each environment sets only for
 *   functions the code declares read-only HTTP;
 * - each function runs as its own service account whose only project roles are
 *   roles/cloudsql.client and roles/cloudsql.instanceUser, narrowed to the environment's
 *   instance;
 * - roles/secretmanager.secretAccessor only per secret, for the functions whose declaration
 *   lists it (and the deployer on the database password, for migrations);
 * - roles/pubsub.publisher only on the events topic, for functions that publish; the Pub/Sub
 *   service agent gets what dead-lettering needs and no more;
 * - push (event) functions take internal traffic only, invoked by their push identity alone;
 * - Cloud SQL has no authorized network and admits only the Auth Proxy and connectors.
 */
const EVERYONE = /\b(allUsers|allAuthenticatedUsers)\b/;
const BASIC_ROLE = /roles\/(owner|editor|viewer)\b/;

/** Every string of a module's bodies except variable declarations (whose validations name what they refuse). */
function* configurationStrings(config: TerraformConfig): Generator<[string, string, string]> {
  for (const module of config.modules.values())
    for (const [file, body] of module.files) {
      const { variable: _variables, ...rest } = body;
      for (const [path, text] of strings(rest)) yield [file, path, text];
    }
}

/** An expression's text (an object: its JSON) with whitespace collapsed, to match its shape. */
const flat = (value: unknown) =>
  (typeof value === 'string' ? value : JSON.stringify(value ?? '')).replace(/\s+/g, ' ');

const FUNCTION_MODULE = 'modules/cloud-function';
/** Connecting through the connector, and signing in as the function's IAM database user. */
const FUNCTION_PROJECT_ROLES = ['roles/cloudsql.client', 'roles/cloudsql.instanceUser'];

function checkEveryone(config: TerraformConfig, problems: string[]): void {
  for (const [file, path, text] of configurationStrings(config)) {
    if (BASIC_ROLE.test(text))
      problems.push(`${file}: ${path}: grants a basic role (${BASIC_ROLE.exec(text)![0]})`);
    if (EVERYONE.test(text))
      problems.push(
        `${file}: ${path}: grants ${EVERYONE.exec(text)![0]}, which organisations with domain-restricted sharing refuse; a read-only HTTP function is made public by modules/cloud-function's trigger.http.public (invoker_iam_disabled)`,
      );
  }

  // Public means Cloud Run's invoker check is off for the service, and only for a read-only
  // HTTP function; the module's own validation refuses the rest before any plan.
  const module = config.modules.get(FUNCTION_MODULE);
  const service = module?.resources.find((r) => r.type === 'google_cloud_run_v2_service');
  const services = module?.resources.filter((r) => r.type === 'google_cloud_run_v2_service');
  if (
    services?.length !== 1 ||
    service?.body.invoker_iam_disabled !== '${local.public}' ||
    flat(module?.locals.get('public')?.value) !==
      '${var.trigger.http != null ? var.trigger.http.public && var.trigger.http.read_only : false}'
  )
    problems.push(
      `terraform/${FUNCTION_MODULE}/main.tf: invoker_iam_disabled must be local.public, true only for an HTTP function that is public and read_only`,
    );

  const trigger = config.modules.get(FUNCTION_MODULE)?.variables.get('trigger');
  const refuses =
    trigger &&
    blocks(trigger.body, 'validation').some((v) =>
      flat(v.condition).includes('!var.trigger.http.public || var.trigger.http.read_only'),
    );
  if (!refuses)
    problems.push(
      `terraform/${FUNCTION_MODULE}/variables.tf: var.trigger must refuse a public function that is not read_only`,
    );

  const call = find(rootModule(config), 'module.functions').body;
  const http =
    '{ http = { read_only = each.value.read_only, public = try(var.functions[each.key].public, false) }';
  if (call.for_each !== '${local.function_declarations}' || !flat(call.trigger).includes(http))
    problems.push(
      "terraform/functions.tf: module.functions may make a function public only through var.functions[<name>].public, and only as its declaration's read_only allows",
    );
}

function checkEnvironments(
  config: TerraformConfig,
  deployments: FunctionDeployment[],
  problems: string[],
): void {
  for (const [environment, values] of config.tfvars) {
    const functions = (values.functions ?? {}) as Record<
      string,
      { public?: unknown; invokers?: unknown }
    >;
    for (const [name, options] of Object.entries(functions)) {
      const where = `terraform/envs/${environment}.tfvars: functions.${name}`;
      const declared = deployments.find((d) => d.name === name);
      if (options.public === true && !(declared?.readOnly && declared.kind === 'http'))
        problems.push(
          `${where}.public = true, but ${name} ${declared ? (declared.kind === 'http' ? 'writes (readOnly: false in shared/deploy/functions.ts)' : 'is an event function') : 'is not a declared function'}: only read-only HTTP functions may be public`,
        );
      for (const [, member] of strings(options.invokers))
        if (EVERYONE.test(member))
          problems.push(`${where}.invokers opens the function to ${member}`);
    }
  }
}

function checkServiceAccounts(config: TerraformConfig, problems: string[]): void {
  const root = rootModule(config);
  const functionRoles = local<string[]>(root, 'function_project_roles');
  if (JSON.stringify(functionRoles) !== JSON.stringify(FUNCTION_PROJECT_ROLES))
    problems.push(
      `terraform/iam.tf: local.function_project_roles is ${functionRoles.join(', ')}; a function's only project roles are ${FUNCTION_PROJECT_ROLES.join(' and ')} (grant the rest on the resource)`,
    );
  const accounts = String(find(root, 'module.service_accounts').body.accounts);
  if (!/local\.function_project_roles : \{[\s\S]*?resource\.name == /.test(accounts))
    problems.push(
      "terraform/iam.tf: the functions' Cloud SQL roles must be conditioned on the instance (resource.name == ...)",
    );
  for (const name of ['retired_project_roles', 'deployer_roles'])
    for (const role of local<string[]>(root, name))
      if (
        /secretmanager\.secretAccessor|pubsub\.publisher|run\.invoker|iam\.serviceAccountTokenCreator/.test(
          role,
        )
      )
        problems.push(
          `terraform/iam.tf: local.${name} grants ${role} on the whole project; grant it on the resource`,
        );

  const functions = find(root, 'module.functions').body;
  if (functions.service_account_email !== '${module.service_accounts.emails["fn-${each.key}"]}')
    problems.push(
      'terraform/functions.tf: module.functions must run each function as its own service account (fn-<name>)',
    );
}

/** The roles an `iam` argument grants: an object's keys, or the quoted role names of its text. */
const rolesIn = (iam: unknown) =>
  iam && typeof iam === 'object'
    ? Object.keys(iam)
    : [...flat(iam).matchAll(/"(roles\/[^"]+)"\s*=/g)].map((m) => m[1]!);

function checkSecrets(config: TerraformConfig, problems: string[]): void {
  for (const module of config.modules.values())
    for (const r of module.resources) {
      const role = String(r.body.role ?? '');
      if (r.type.startsWith('google_secret_manager_secret_iam_')) {
        if (module.dir !== 'modules/secrets')
          problems.push(
            `${r.file}: ${r.address}: secret access is granted only by modules/secrets, on one secret`,
          );
      } else if (/secretmanager/.test(role)) {
        problems.push(`${r.file}: ${r.address}: grants ${role} beyond a single secret`);
      }
    }
  const call = flat(find(rootModule(config), 'module.secrets').body.secrets);
  if (rolesIn(call).some((role) => role !== 'roles/secretmanager.secretAccessor'))
    problems.push(
      `terraform/secrets.tf: a secret grants ${rolesIn(call).join(', ')}; only roles/secretmanager.secretAccessor, to its readers`,
    );
  if (!call.includes('if contains(f.secrets, setting)'))
    problems.push(
      "terraform/secrets.tf: a secret's readers must be the functions whose declaration lists it",
    );
  if (
    !call.includes(
      'setting == "DATABASE_PASSWORD" ? [module.service_accounts.members["deployer"]]',
    ) ||
    (call.match(/deployer/g) ?? []).length !== 1
  )
    problems.push(
      'terraform/secrets.tf: the deployer may read the database password (migrations) and no other secret',
    );
}

function checkPublishers(config: TerraformConfig, problems: string[]): void {
  for (const module of config.modules.values())
    for (const r of module.resources) {
      const role = String(r.body.role ?? '');
      if (r.type.startsWith('google_pubsub_topic_iam_') && module.dir !== 'modules/pubsub-topic')
        problems.push(
          `${r.file}: ${r.address}: topic access is granted only by modules/pubsub-topic`,
        );
      if (/roles\/pubsub\./.test(role) && !/^google_pubsub_(topic|subscription)_iam_/.test(r.type))
        problems.push(`${r.file}: ${r.address}: grants ${role} beyond one topic or subscription`);
    }
  const root = rootModule(config);
  const events = find(root, 'module.events_topic').body.iam;
  if (
    JSON.stringify(rolesIn(events)) !== JSON.stringify(['roles/pubsub.publisher']) ||
    !flat(events).includes('if f.publishes_events')
  )
    problems.push(
      "terraform/events.tf: the events topic's publishers must be the functions that publish, and nothing more",
    );
  const deadLetter = find(root, 'module.dead_letter_topic').body.iam as Body | undefined;
  if (
    JSON.stringify(deadLetter) !==
    JSON.stringify({ 'roles/pubsub.publisher': ['${local.pubsub_service_agent}'] })
  )
    problems.push(
      'terraform/events.tf: only the Pub/Sub service agent publishes to the dead-letter topic',
    );
  if ('iam' in find(root, 'module.relay_topic').body)
    problems.push('terraform/events.tf: nothing but Cloud Scheduler publishes to the relay topic');

  const subscription = config.modules.get('modules/pubsub-push-subscription');
  const grant = subscription?.resources.find(
    (r) => r.type === 'google_pubsub_subscription_iam_member',
  );
  if (
    grant?.body.role !== 'roles/pubsub.subscriber' ||
    grant.body.member !== '${var.pubsub_service_agent}'
  )
    problems.push(
      'terraform/modules/pubsub-push-subscription: dead-lettering needs the Pub/Sub service agent as subscriber of the subscription',
    );
}

/** Push functions: internal traffic only, invoked by their push identity alone. */
function checkPushFunctions(config: TerraformConfig, problems: string[]): void {
  const where = `terraform/${FUNCTION_MODULE}`;
  const module = config.modules.get(FUNCTION_MODULE);
  const service = module?.resources.find((r) => r.type === 'google_cloud_run_v2_service');
  const ingress = module?.locals.get('ingress')?.value;
  if (
    service?.body.ingress !== '${local.ingress}' ||
    ingress !==
      '${var.trigger.push != null ? "INGRESS_TRAFFIC_INTERNAL_ONLY" : "INGRESS_TRAFFIC_ALL"}'
  )
    problems.push(
      `${where}: a push function takes internal traffic only (INGRESS_TRAFFIC_INTERNAL_ONLY)`,
    );

  const invokers = flat(module?.locals.get('invokers')?.value);
  const grants = module?.resources.filter((r) =>
    r.type.startsWith('google_cloud_run_v2_service_iam_'),
  );
  if (
    !invokers.startsWith(
      '${( var.trigger.push != null ? ["serviceAccount:${var.trigger.push.service_account_email}"] :',
    ) ||
    flat(module?.locals.get('iam')?.value) !==
      '${merge(var.iam, { "roles/run.invoker" = local.invokers })}' ||
    grants?.length !== 1 ||
    grants[0]!.body.for_each !== '${local.iam}'
  )
    problems.push(`${where}: a push function is invoked by its push identity alone`);

  const call = flat(find(rootModule(config), 'module.functions').body.trigger);
  if (
    !call.includes(
      'push = { service_account_email = module.service_accounts.emails["push-${each.key}"] }',
    )
  )
    problems.push(
      'terraform/functions.tf: each event function is pushed to as its own push-<name> identity',
    );
}

function checkDatabase(config: TerraformConfig, problems: string[]): void {
  for (const module of config.modules.values())
    for (const r of module.resources.filter((r) => r.type === 'google_sql_database_instance')) {
      const where = `${r.file}: ${r.address}`;
      for (const settings of blocks(r.body, 'settings')) {
        if (settings.connector_enforcement !== 'REQUIRED')
          problems.push(
            `${where}: settings.connector_enforcement must be REQUIRED (Auth Proxy and connectors only)`,
          );
        for (const ip of blocks(settings, 'ip_configuration')) {
          const dynamic = (ip.dynamic ?? {}) as Body;
          if ('authorized_networks' in ip || 'authorized_networks' in dynamic)
            problems.push(
              `${where}: settings.ip_configuration has authorized_networks: no address range may connect directly`,
            );
          if (
            !['ENCRYPTED_ONLY', 'TRUSTED_CLIENT_CERTIFICATE_REQUIRED'].includes(String(ip.ssl_mode))
          )
            problems.push(
              `${where}: settings.ip_configuration.ssl_mode must refuse unencrypted connections`,
            );
        }
        if (blocks(settings, 'ip_configuration').length === 0)
          problems.push(
            `${where}: settings.ip_configuration must be explicit (private network, ssl_mode)`,
          );
      }
    }
}

export function checkSecurity(
  config: TerraformConfig,
  deployments: FunctionDeployment[],
): string[] {
  const problems: string[] = [];
  checkEveryone(config, problems);
  checkEnvironments(config, deployments, problems);
  checkServiceAccounts(config, problems);
  checkSecrets(config, problems);
  checkPublishers(config, problems);
  checkPushFunctions(config, problems);
  checkDatabase(config, problems);
  return problems;
}
