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
 * - allUsers / allAuthenticatedUsers only through modules/http-function's `public`, which that
 *   module refuses for a function that writes, and which each environment sets only for
 *   functions the code declares read-only HTTP;
 * - each function runs as its own service account whose only project role is
 *   roles/cloudsql.client narrowed to the environment's instance;
 * - roles/secretmanager.secretAccessor only per secret, for the functions whose declaration
 *   lists it (and the deployer on the database password, for migrations);
 * - roles/pubsub.publisher only on the events topic, for functions that publish; the Pub/Sub
 *   service agent gets what dead-lettering needs and no more;
 * - event functions take internal traffic only, invoked by their push identity alone;
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

function checkEveryone(config: TerraformConfig, problems: string[]): void {
  for (const [file, path, text] of configurationStrings(config)) {
    if (BASIC_ROLE.test(text))
      problems.push(`${file}: ${path}: grants a basic role (${BASIC_ROLE.exec(text)![0]})`);
    if (!EVERYONE.test(text)) continue;
    const sanctioned =
      file === 'terraform/modules/http-function/main.tf' &&
      path === 'module.function[0].invokers' &&
      text.includes('var.public && var.read_only ?');
    if (!sanctioned)
      problems.push(
        `${file}: ${path}: grants ${EVERYONE.exec(text)![0]}; only a read-only HTTP function may be public, through modules/http-function's public`,
      );
  }

  const http = config.modules.get('modules/http-function');
  const guard = http?.variables.get('public');
  const refuses =
    guard &&
    blocks(guard.body, 'validation').some((v) => String(v.condition).includes('var.read_only'));
  if (!refuses)
    problems.push(
      'terraform/modules/http-function/variables.tf: var.public must refuse a function that is not read_only',
    );

  const call = find(rootModule(config), 'module.http_functions').body;
  if (call.read_only !== '${each.value.read_only}' || call.for_each !== '${local.http_functions}')
    problems.push(
      'terraform/functions.tf: module.http_functions must take read_only from the function declarations',
    );
  if (call.public !== '${try(var.functions[each.key].public, false)}')
    problems.push(
      'terraform/functions.tf: module.http_functions may make a function public only through var.functions[<name>].public',
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
  if (JSON.stringify(functionRoles) !== JSON.stringify(['roles/cloudsql.client']))
    problems.push(
      `terraform/iam.tf: local.function_project_roles is ${functionRoles.join(', ')}; a function's only project role is roles/cloudsql.client (grant the rest on the resource)`,
    );
  const accounts = String(find(root, 'module.service_accounts').body.accounts);
  if (!/local\.function_project_roles : \{[\s\S]*?resource\.name == /.test(accounts))
    problems.push(
      "terraform/iam.tf: the functions' roles/cloudsql.client must be conditioned on the instance (resource.name == ...)",
    );
  for (const name of ['builder_project_roles', 'deployer_roles'])
    for (const role of local<string[]>(root, name))
      if (
        /secretmanager\.secretAccessor|pubsub\.publisher|run\.invoker|iam\.serviceAccountTokenCreator/.test(
          role,
        )
      )
        problems.push(
          `terraform/iam.tf: local.${name} grants ${role} on the whole project; grant it on the resource`,
        );

  for (const call of ['module.http_functions', 'module.event_functions']) {
    const body = find(root, call).body;
    if (body.service_account_email !== '${module.service_accounts.emails["fn-${each.key}"]}')
      problems.push(
        `terraform/functions.tf: ${call} must run each function as its own service account (fn-<name>)`,
      );
  }
}

function checkSecrets(config: TerraformConfig, problems: string[]): void {
  for (const module of config.modules.values())
    for (const r of module.resources) {
      const role = String(r.body.role ?? '');
      if (r.type === 'google_secret_manager_secret_iam_member') {
        if (module.dir !== 'modules/secrets' || role !== 'roles/secretmanager.secretAccessor')
          problems.push(
            `${r.file}: ${r.address}: secret access is granted only by modules/secrets, as secretAccessor on one secret`,
          );
      } else if (/secretmanager/.test(role)) {
        problems.push(`${r.file}: ${r.address}: grants ${role} beyond a single secret`);
      }
    }
  const call = String(find(rootModule(config), 'module.secrets').body.secrets);
  if (!call.includes('if contains(f.secrets, setting)'))
    problems.push(
      "terraform/secrets.tf: a secret's accessors must be the functions whose declaration lists it",
    );
  if (
    !/setting == "DATABASE_PASSWORD" \? \{ deployer =/.test(call) ||
    (call.match(/deployer/g) ?? []).length !== 2
  )
    problems.push(
      'terraform/secrets.tf: the deployer may read the database password (migrations) and no other secret',
    );
}

function checkPublishers(config: TerraformConfig, problems: string[]): void {
  for (const module of config.modules.values())
    for (const r of module.resources) {
      const role = String(r.body.role ?? '');
      if (r.type === 'google_pubsub_topic_iam_member' && module.dir !== 'modules/pubsub-topic')
        problems.push(
          `${r.file}: ${r.address}: topic access is granted only by modules/pubsub-topic`,
        );
      if (
        /roles\/pubsub\./.test(role) &&
        !['google_pubsub_topic_iam_member', 'google_pubsub_subscription_iam_member'].includes(
          r.type,
        )
      )
        problems.push(`${r.file}: ${r.address}: grants ${role} beyond one topic or subscription`);
    }
  const root = rootModule(config);
  const events = find(root, 'module.events_topic').body;
  if (!String(events.publishers).includes('if f.publishes_events'))
    problems.push(
      "terraform/events.tf: the events topic's publishers must be the functions that publish",
    );
  const deadLetter = find(root, 'module.dead_letter_topic').body.publishers as Body | undefined;
  if (
    JSON.stringify(deadLetter) !==
    JSON.stringify({ 'pubsub-service-agent': '${local.pubsub_service_agent}' })
  )
    problems.push(
      'terraform/events.tf: only the Pub/Sub service agent publishes to the dead-letter topic',
    );
  if ('publishers' in find(root, 'module.relay_topic').body)
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

function checkEventFunctions(config: TerraformConfig, problems: string[]): void {
  const module = config.modules.get('modules/event-function');
  const call = module?.moduleCalls.find((c) => c.name === 'function')?.body;
  if (call?.ingress !== 'ALLOW_INTERNAL_ONLY')
    problems.push(
      'terraform/modules/event-function: an event function takes internal traffic only (ALLOW_INTERNAL_ONLY)',
    );
  if (
    JSON.stringify(call?.invokers) !==
    JSON.stringify({ push: 'serviceAccount:${var.push_service_account_email}' })
  )
    problems.push(
      'terraform/modules/event-function: an event function is invoked by its push identity alone',
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
  checkEventFunctions(config, problems);
  checkDatabase(config, problems);
  return problems;
}
