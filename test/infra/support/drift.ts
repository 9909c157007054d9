import { loadConfig, Settings, settingNames, type Config } from '../../../shared/config';
import { deployments, type FunctionDeployment } from '../../../shared/deploy/functions';
import { pushSubscriptions } from '../../../shared/deploy/subscriptions';
import { OUTBOX_BACKLOG_LOG } from '../../../shared/events/backlog';
import { pushPath, type PushSubscriptionSpec } from '../../../shared/events/subscriptions';
import { evaluatedLocal, find, local, rootModule, type TerraformConfig } from './terraform';

/**
 * Drift between what the code declares about its deployment and what Terraform deploys: the
 * functions (kind, read-only, secrets, publishing, settings), the topics, the push
 * subscriptions with their filters and retry policies, the push path, the secrets, the
 * environment variables each function gets (names, and the defaults Terraform restates), and
 * the relay's backlog line that the log-based metrics read.
 */
export interface CodeDeclarations {
  deployments: DeclaredFunction[];
  subscriptions: PushSubscriptionSpec[];
  defaults: Config;
  backlogLog: typeof OUTBOX_BACKLOG_LOG;
}

/** What the registry says of a function that Terraform restates (its push: the subscriptions). */
export type DeclaredFunction = Pick<
  FunctionDeployment,
  'name' | 'kind' | 'readOnly' | 'secrets' | 'publishesEvents' | 'settings'
>;

/** What the code declares, with every setting at its default (as in a fresh environment). */
export function codeDeclarations(): CodeDeclarations {
  const defaults = loadConfig({});
  return {
    deployments: deployments.map((d) => ({
      name: d.name,
      kind: d.kind,
      readOnly: d.readOnly,
      secrets: [...d.secrets],
      publishesEvents: d.publishesEvents,
      settings: [...d.settings],
    })),
    subscriptions: pushSubscriptions(defaults),
    defaults,
    backlogLog: OUTBOX_BACKLOG_LOG,
  };
}

/** terraform/declarations.tf's restatement of one function. */
interface TerraformFunction {
  kind: string;
  read_only: boolean;
  secrets: string[];
  publishes_events: boolean;
  settings: string[];
}

interface TerraformSubscription {
  function: string;
  topic: string;
  filter: string;
  ack_deadline_seconds: number;
  minimum_backoff_seconds: number;
  maximum_backoff_seconds: number;
  max_delivery_attempts: number;
  dead_letter_topic: string;
}

const sorted = (values: Iterable<string>) => [...values].sort();
const same = (a: Iterable<string>, b: Iterable<string>) =>
  JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const list = (values: Iterable<string>) => sorted(values).join(', ') || '(none)';

const DECLARATIONS = 'terraform/declarations.tf';
/** The migration owner's password: in Secret Manager for the pipeline, read by no function. */
const PIPELINE_SECRETS = ['DATABASE_PASSWORD'];
const FUNCTIONS_TS = 'shared/deploy/functions.ts';

function checkFunctions(
  tf: Record<string, TerraformFunction>,
  code: DeclaredFunction[],
  problems: string[],
): void {
  const names = new Set(code.map((d) => d.name));
  for (const d of code)
    if (!tf[d.name])
      problems.push(
        `function ${d.name} is declared in ${FUNCTIONS_TS} but Terraform does not deploy it (add it to local.function_declarations in ${DECLARATIONS})`,
      );
  for (const name of Object.keys(tf))
    if (!names.has(name))
      problems.push(
        `function ${name} is deployed by Terraform (${DECLARATIONS}) but ${FUNCTIONS_TS} does not declare it`,
      );

  for (const d of code) {
    const t = tf[d.name];
    if (!t) continue;
    const where = `${DECLARATIONS}: local.function_declarations.${d.name}`;
    if (t.kind !== d.kind) problems.push(`${where}.kind is ${t.kind}; the code says ${d.kind}`);
    if (t.read_only !== d.readOnly)
      problems.push(`${where}.read_only is ${t.read_only}; the code says readOnly: ${d.readOnly}`);
    if (t.publishes_events !== d.publishesEvents)
      problems.push(
        `${where}.publishes_events is ${t.publishes_events}; the code says ${d.publishesEvents}`,
      );
    if (!same(t.secrets, d.secrets))
      problems.push(`${where}.secrets is ${list(t.secrets)}; the code says ${list(d.secrets)}`);
    if (!same(t.settings, d.settings))
      problems.push(
        `${where}.settings differ from the code's: Terraform only ${list(t.settings.filter((s) => !d.settings.includes(s as keyof Config)))}; code only ${list(d.settings.filter((s) => !t.settings.includes(s)))}`,
      );
  }
}

function checkSubscriptions(
  config: TerraformConfig,
  tf: Record<string, TerraformSubscription>,
  code: PushSubscriptionSpec[],
  problems: string[],
): void {
  for (const spec of code) {
    const t = tf[spec.name];
    const where = `${DECLARATIONS}: local.push_subscriptions["${spec.name}"]`;
    if (!t) {
      problems.push(
        `push subscription ${spec.name} (shared/deploy/subscriptions.ts) is not in local.push_subscriptions of ${DECLARATIONS}`,
      );
      continue;
    }
    const expected: Record<keyof TerraformSubscription, unknown> = {
      function: spec.function,
      topic: spec.topic,
      filter: spec.filter,
      ack_deadline_seconds: spec.ackDeadlineSeconds,
      minimum_backoff_seconds: spec.minimumBackoffSeconds,
      maximum_backoff_seconds: spec.maximumBackoffSeconds,
      max_delivery_attempts: spec.maxDeliveryAttempts,
      dead_letter_topic: spec.deadLetterTopic,
    };
    for (const [key, value] of Object.entries(expected))
      if (t[key as keyof TerraformSubscription] !== value)
        problems.push(
          `${where}.${key} is ${JSON.stringify(t[key as keyof TerraformSubscription])}; the code says ${JSON.stringify(value)}`,
        );
  }
  const names = new Set(code.map((s) => s.name));
  for (const name of Object.keys(tf))
    if (!names.has(name))
      problems.push(
        `push subscription ${name} is in ${DECLARATIONS} but shared/deploy/subscriptions.ts does not declare it`,
      );

  // The endpoint: the function's run.app URL, then pushPath (functions-framework reads the topic from it).
  const call = find(rootModule(config), 'module.push_subscriptions');
  const endpoint = String((call.body.push as Record<string, unknown> | undefined)?.endpoint ?? '');
  const base = '${module.functions[each.value.function].uri}';
  for (const spec of code) {
    const path = endpoint
      .replace(base, '')
      .replaceAll('${each.value.function}', spec.function)
      .replaceAll('${each.value.topic}', spec.topic)
      .replaceAll('${var.project_id}', 'PROJECT');
    if (!endpoint.startsWith(base) || path !== pushPath('PROJECT', spec))
      problems.push(
        `${call.file}: ${call.address}: push.endpoint ${endpoint} does not resolve to <uri>${pushPath('PROJECT', spec)} for ${spec.name}`,
      );
  }
}

function checkEnvironment(
  config: TerraformConfig,
  code: CodeDeclarations,
  problems: string[],
): void {
  const root = rootModule(config);
  const declarations = evaluatedLocal<Record<string, TerraformFunction>>(
    root,
    'function_declarations',
  );
  const runtime = local<Record<string, string>>(root, 'runtime_environment');
  const defaults = local<Record<string, string>>(root, 'setting_defaults');
  const values = String(local<string>(root, 'setting_values'));
  // Per function: its own database user.
  const perFunction = String(local<string>(root, 'function_settings'));
  const environment = String(local<string>(root, 'function_environment'));

  for (const name of Object.keys(runtime))
    if ((settingNames as string[]).includes(name))
      problems.push(
        `${DECLARATIONS}: local.runtime_environment.${name} is an app setting: declare it in the code's settings instead`,
      );
  if (
    !environment.includes('for setting in f.settings') ||
    !environment.includes('local.runtime_environment')
  )
    problems.push(
      "terraform/functions.tf: local.function_environment must be each declaration's settings plus local.runtime_environment",
    );

  // Values: the tunable defaults, and the ones this configuration provides (the merge's last
  // object, and each function's own).
  const provided = [
    ...`${values}\n${perFunction}`.matchAll(/(?:^|\{)\s*([A-Z][A-Z0-9_]*)\s*=/gm),
  ].map((m) => m[1]!);
  // Set by modules/cloud-function from the function's sizing (DB_POOL_MAX from db_pool_max).
  const sized = local<string[]>(root, 'sizing_settings');
  const moduleEnvironment = String(
    config.modules.get('modules/cloud-function')?.locals.get('environment_variables')?.value,
  );
  for (const name of sized)
    if (!new RegExp(`\\b${name}\\s*=\\s*tostring\\(var\\.sizing\\.`).test(moduleEnvironment))
      problems.push(
        `${DECLARATIONS}: local.sizing_settings lists ${name}, but terraform/modules/cloud-function/main.tf does not set it from var.sizing`,
      );
  if (!environment.includes('if !contains(local.sizing_settings, setting)'))
    problems.push(
      'terraform/functions.tf: local.function_environment must leave local.sizing_settings to modules/cloud-function',
    );
  const valued = new Set([...Object.keys(defaults), ...provided, ...sized]);
  const used = new Set(Object.values(declarations).flatMap((f) => f.settings));
  for (const name of used)
    if (!valued.has(name))
      problems.push(
        `setting ${name} is deployed but terraform/functions.tf gives it no value (local.setting_values)`,
      );
  for (const name of valued)
    if (!used.has(name))
      problems.push(`setting ${name} has a value in Terraform but no function is deployed with it`);
  for (const name of valued)
    if (!(settingNames as string[]).includes(name))
      problems.push(`setting ${name} is not a setting of shared/config/settings.ts`);

  for (const [name, value] of Object.entries(defaults)) {
    const codeDefault = code.defaults[name as keyof Config];
    if (codeDefault !== undefined && String(codeDefault) !== value)
      problems.push(
        `${DECLARATIONS}: local.setting_defaults.${name} is "${value}"; the code's default is "${String(codeDefault)}"`,
      );
  }

  // Secrets: the secret settings functions read, each an sm:// reference, and the password of
  // the schema's owner, which only the pipeline's migrations read.
  const secretSettings = local<string[]>(root, 'secret_settings');
  const readSecrets = new Set(code.deployments.flatMap((d) => d.secrets));
  if (!same(secretSettings, new Set([...readSecrets, ...PIPELINE_SECRETS])))
    problems.push(
      `${DECLARATIONS}: local.secret_settings is ${list(secretSettings)}; the functions read ${list(readSecrets)}, the pipeline ${list(PIPELINE_SECRETS)}`,
    );
  for (const name of secretSettings) {
    if (
      !(
        Settings.properties[name as keyof typeof Settings.properties] as
          { 'x-secret'?: boolean } | undefined
      )?.['x-secret']
    )
      problems.push(
        `${name} is deployed as a secret but shared/config/settings.ts does not mark it x-secret`,
      );
    if (
      readSecrets.has(name as never) &&
      !new RegExp(`^\\s*${name}\\s*=\\s*"sm://`, 'm').test(values)
    )
      problems.push(`terraform/functions.tf: ${name} must be deployed as an sm:// reference`);
  }
}

function checkTopicsAndDeployment(
  config: TerraformConfig,
  code: CodeDeclarations,
  problems: string[],
): void {
  const root = rootModule(config);
  const topics = local<Record<string, string>>(root, 'topics');
  const expected = {
    events: code.defaults.EVENTS_TOPIC,
    dead_letter: code.defaults.DEAD_LETTER_TOPIC,
    relay: code.defaults.RELAY_TOPIC,
  };
  for (const [key, name] of Object.entries(expected))
    if (topics[key] !== name)
      problems.push(
        `${DECLARATIONS}: local.topics.${key} is ${JSON.stringify(topics[key])}; the code's default is "${name}"`,
      );

  const call = find(root, 'module.functions').body;
  const trigger = String(call.trigger).replace(/\s+/g, ' ');
  if (
    call.for_each !== '${local.function_declarations}' ||
    !trigger.includes('each.value.kind == "http" ? { http =')
  )
    problems.push(
      'terraform/functions.tf: module.functions must deploy every declared function, HTTP or push by its kind (for_each = local.function_declarations)',
    );
  // var.images: what scripts/pipeline/images.sh built from dist/functions/<name> (npm run
  // build's bundles) and pushed, by digest (the module refuses a missing image or a tag).
  if (call.image !== '${lookup(var.images, each.key, "")}')
    problems.push(
      'terraform/functions.tf: module.functions must deploy each function from its image in var.images (built by scripts/pipeline/images.sh from dist/functions/<name>)',
    );
}

/** local.outbox_backlog_log: the line's function, message and field names, as the code writes them. */
function checkBacklogLog(
  config: TerraformConfig,
  code: CodeDeclarations,
  problems: string[],
): void {
  const tf = local<Record<string, unknown>>(rootModule(config), 'outbox_backlog_log');
  const { function: name, message, fields } = code.backlogLog;
  const expected = {
    function: name,
    message,
    pending: fields.pending,
    oldest_pending_seconds: fields.oldestPendingSeconds,
  };
  for (const [key, value] of Object.entries(expected))
    if (tf[key] !== value)
      problems.push(
        `${DECLARATIONS}: local.outbox_backlog_log.${key} is ${JSON.stringify(tf[key])}; shared/events/backlog.ts writes ${JSON.stringify(value)}`,
      );
  for (const key of Object.keys(tf))
    if (!(key in expected))
      problems.push(
        `${DECLARATIONS}: local.outbox_backlog_log.${key} is not part of the backlog line`,
      );
  if (!code.deployments.some((d) => d.name === name))
    problems.push(
      `shared/events/backlog.ts: ${name} writes the backlog line but ${FUNCTIONS_TS} does not declare it`,
    );
}

export function checkDrift(config: TerraformConfig, code: CodeDeclarations): string[] {
  const problems: string[] = [];
  const root = rootModule(config);
  checkFunctions(evaluatedLocal(root, 'function_declarations'), code.deployments, problems);
  checkSubscriptions(config, local(root, 'push_subscriptions'), code.subscriptions, problems);
  checkEnvironment(config, code, problems);
  checkTopicsAndDeployment(config, code, problems);
  checkBacklogLog(config, code, problems);
  return problems;
}
