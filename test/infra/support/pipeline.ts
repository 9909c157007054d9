import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuildConfig } from './cloudbuild';
import {
  REPO,
  blocks,
  evaluatedLocal,
  find,
  local,
  rootModule,
  type Body,
  type TerraformConfig,
} from './terraform';

/**
 * The rules of a pipeline that cannot surprise production, checked on the parsed Terraform
 * configuration, the two build files and the scripts they run:
 * - production applies only after an approval, by someone the tfvars list;
 * - the apply build applies the plan the plan build saved, once, before the approval, and never
 *   plans anew;
 * - an environment's apply builds hold a lock, and refuse a commit older than the deployed one;
 * - the deployer may grant only the project roles this configuration hands out; the planner,
 *   which every push of every branch runs as, can change nothing;
 * - the functions' database users are IAM users made runtime users, never the schema's owner.
 */

type Step = { id: string; waitFor?: string[]; script?: string; env?: string[] };

/** The builds and scripts the rules read (copies, so a fault test may change them). */
export interface Pipeline {
  plan: BuildConfig;
  apply: BuildConfig;
  /** scripts/pipeline/<name>.sh, by name. */
  scripts: Record<string, string>;
}

/** The pipeline's scripts, read from scripts/pipeline/. */
export function loadScripts(): Record<string, string> {
  const read = (name: string) => readFileSync(join(REPO, 'scripts/pipeline', `${name}.sh`), 'utf8');
  return { deploy: read('deploy'), plan: read('plan'), 'cloud-sql-proxy': read('cloud-sql-proxy') };
}

const flat = (value: unknown) =>
  (typeof value === 'string' ? value : JSON.stringify(value ?? '')).replace(/\s+/g, ' ');

const stepsOf = (build: BuildConfig) => (build.steps ?? []) as Step[];

/**
 * Every step a step waits for, directly or not. Cloud Build runs a step without waitFor after
 * all the steps before it, and one with waitFor: ['-'] at once.
 */
export function before(build: BuildConfig, id: string): Set<string> {
  const steps = stepsOf(build);
  const seen = new Set<string>();
  const visit = (target: string) => {
    const index = steps.findIndex((s) => s.id === target);
    if (index < 0) return;
    const step = steps[index]!;
    const waits = step.waitFor ?? steps.slice(0, index).map((s) => s.id);
    for (const w of waits)
      if (w !== '-' && !seen.has(w)) {
        seen.add(w);
        visit(w);
      }
  };
  visit(id);
  return seen;
}

/** The ids of the steps whose script matches. */
const running = (build: BuildConfig, pattern: RegExp) =>
  stepsOf(build)
    .filter((s) => pattern.test(s.script ?? ''))
    .map((s) => s.id);

function checkApproval(config: TerraformConfig, problems: string[]): void {
  const production = config.tfvars.get('production')?.deploy_pipeline as Body | undefined;
  if (production?.approval_required !== true)
    problems.push(
      'terraform/envs/production.tfvars: deploy_pipeline.approval_required must be true: production applies only an approved plan',
    );
  for (const [environment, values] of config.tfvars) {
    const pipeline = values.deploy_pipeline as Body | undefined;
    if (pipeline?.approval_required === true && !(pipeline.approvers as unknown[])?.length)
      problems.push(
        `terraform/envs/${environment}.tfvars: deploy_pipeline.approvers is empty, so nobody may approve its builds`,
      );
  }
  const root = rootModule(config);
  const applyTriggers = flat(find(root, 'module.apply_triggers').body.triggers);
  if (!applyTriggers.includes('approval_required = var.deploy_pipeline.approval_required'))
    problems.push(
      "terraform/pipeline.tf: module.apply_triggers must take each trigger's approval_required from var.deploy_pipeline",
    );
  const trigger = config.modules
    .get('modules/cloudbuild-triggers')
    ?.resources.find((r) => r.type === 'google_cloudbuild_trigger');
  if (
    blocks(trigger?.body ?? {}, 'approval_config')[0]?.approval_required !==
    '${each.value.approval_required}'
  )
    problems.push(
      'terraform/modules/cloudbuild-triggers: each trigger must carry its approval_required in approval_config',
    );

  const approvers = root.resources.find(
    (r) => r.type === 'google_project_iam_binding' && r.name === 'build_approvers',
  );
  if (
    approvers?.body.role !== 'roles/cloudbuild.builds.approver' ||
    approvers.body.members !== '${var.deploy_pipeline.approvers}'
  )
    problems.push(
      'terraform/pipeline.tf: roles/cloudbuild.builds.approver must go to var.deploy_pipeline.approvers (google_project_iam_binding.build_approvers)',
    );
  const validations = blocks(find(root, 'var.deploy_pipeline').body, 'validation');
  if (
    !validations.some(
      (v) =>
        flat(v.condition).includes('approval_required') &&
        flat(v.condition).includes('length(try(var.deploy_pipeline.approvers, [])) > 0'),
    )
  )
    problems.push(
      'terraform/variables.tf: var.deploy_pipeline must refuse approval_required without approvers',
    );
}

function checkSavedPlan(config: TerraformConfig, pipeline: Pipeline, problems: string[]): void {
  const { plan, apply, scripts } = pipeline;
  const plans = stepsOf(plan).filter((s) => /terraform plan /.test(s.script ?? ''));
  if (
    plans.length !== 1 ||
    !/terraform plan .*-var-file="envs\/\$ENV\.tfvars" -var-file=\/workspace\/images\.tfvars\.json -out=plan\.tfplan/.test(
      plans[0]!.script!,
    ) ||
    !/tar -czf \/workspace\/plan\.tgz plan\.tfplan /.test(plans[0]!.script!)
  )
    problems.push(
      'cloudbuild.yaml: one step must save `terraform plan -out=plan.tfplan` (/workspace/plan.tgz) of the images this build pushed (-var-file=/workspace/images.tfvars.json, last, so no tfvars overrides it)',
    );
  // The images: built and pushed from the bundles, then named by digest, then planned.
  const build = running(plan, /^scripts\/pipeline\/images\.sh build$/);
  const digests = running(plan, /^scripts\/pipeline\/images\.sh digests$/);
  const bundles = running(plan, /^npm run build$/);
  if (
    build.length !== 1 ||
    digests.length !== 1 ||
    bundles.length !== 1 ||
    !before(plan, build[0]!).has(bundles[0]!) ||
    !before(plan, digests[0]!).has(build[0]!) ||
    !before(plan, plans[0]?.id ?? '').has(digests[0]!)
  )
    problems.push(
      'cloudbuild.yaml: the plan must wait for `scripts/pipeline/images.sh digests`, which waits for `images.sh build`, which waits for the bundles (`npm run build`)',
    );
  const publish = running(plan, /^scripts\/pipeline\/plan\.sh publish$/);
  if (publish.length !== 1 || !before(plan, publish[0]!).has(plans[0]?.id ?? ''))
    problems.push(
      'cloudbuild.yaml: `scripts/pipeline/plan.sh publish` must save the plan once made',
    );
  if (running(plan, /terraform apply/).length)
    problems.push('cloudbuild.yaml: the plan build must never apply');

  if (!/cp \/workspace\/plan\.tgz "\$PLAN\.tgz" --if-generation-match=0/.test(scripts.plan!))
    problems.push(
      'scripts/pipeline/plan.sh: publish must create the plan only if none exists (--if-generation-match=0)',
    );
  if (
    !/approval\.state,approval\.result\.approvalTime/.test(scripts.plan!) ||
    !/date -d "\$created" \+%s\) <= \$\(date -d "\$approved" \+%s/.test(scripts.plan!) ||
    !/\[ "\$versions" = 1 \]/.test(scripts.plan!)
  )
    problems.push(
      'scripts/pipeline/plan.sh: fetch must refuse a plan saved after the approval, or written more than once',
    );

  const applies = stepsOf(apply).filter((s) => /terraform apply/.test(s.script ?? ''));
  const fetch = running(apply, /^scripts\/pipeline\/plan\.sh fetch$/);
  if (
    applies.length !== 1 ||
    !/terraform apply -input=false -lock-timeout=\d+m plan\.tfplan\n/.test(applies[0]!.script!) ||
    /-var-file|-auto-approve/.test(applies[0]!.script!) ||
    fetch.length !== 1 ||
    !before(apply, applies[0]!.id).has(fetch[0]!)
  )
    problems.push(
      'cloudbuild-apply.yaml: the apply step must apply the fetched saved plan (terraform apply plan.tfplan), with no tfvars of its own',
    );
  if (running(apply, /terraform plan/).length)
    problems.push('cloudbuild-apply.yaml: the apply build must never plan anew');

  const writers = rootModule(config).resources.find(
    (r) => r.type === 'google_storage_bucket_iam_binding' && r.name === 'plan_writers',
  );
  if (
    writers?.body.role !== 'roles/storage.objectCreator' ||
    writers.body.bucket !== '${google_storage_bucket.pipeline.name}' ||
    JSON.stringify(writers.body.members) !==
      JSON.stringify(['${module.service_accounts.members["planner"]}'])
  )
    problems.push(
      'terraform/pipeline.tf: the planner may only create objects in the pipeline bucket (roles/storage.objectCreator): a saved plan cannot be replaced',
    );
}

function checkSerialised(pipeline: Pipeline, problems: string[]): void {
  const { apply, scripts } = pipeline;
  const id = (pattern: RegExp) => running(apply, pattern)[0] ?? '';
  const lock = id(/^scripts\/pipeline\/deploy\.sh lock$/);
  const order = id(/scripts\/pipeline\/deploy\.sh order "\$deployed" "\$COMMIT_SHA"/);
  const migrate = id(/npm run migrate$/);
  const applyStep = id(/terraform apply/);
  const record = id(/^scripts\/pipeline\/deploy\.sh record$/);
  const unlock = id(/^scripts\/pipeline\/deploy\.sh unlock$/);
  const sequence: [string, string, string][] = [
    [lock, order, 'the order check runs under the lock'],
    [order, migrate, 'nothing migrates before the order check'],
    [migrate, applyStep, 'the schema is migrated before the functions change'],
    [applyStep, record, 'the deployed commit is recorded after the apply'],
    [record, unlock, 'the lock is released only once the deploy is recorded'],
  ];
  for (const [first, then, why] of sequence)
    if (!first || !then || !before(apply, then).has(first))
      problems.push(
        `cloudbuild-apply.yaml: ${first || '(missing step)'} must come before ${then || '(missing step)'}: ${why}`,
      );
  if (!/--if-generation-match=0/.test(scripts.deploy!.split('\nunlock()')[0]!))
    problems.push(
      'scripts/pipeline/deploy.sh: lock must create the lock object only if absent (--if-generation-match=0)',
    );
  if (!/git -C "\$work" merge-base --is-ancestor "\$deployed" "\$commit"/.test(scripts.deploy!))
    problems.push(
      'scripts/pipeline/deploy.sh: order must refuse a commit the deployed one is not an ancestor of',
    );
}

/** Roles that reach owner: granting roles, acting as accounts, or administering anything. */
const ADMIN_ROLE = /(owner|editor|admin|Admin|securityReviewer|serviceAccountUser|TokenCreator)$/;
/** What the planner's roles may be: reading, and writing its build's logs. */
const READ_ONLY_ROLE = /(viewer|Viewer|reader|Reviewer)$|^roles\/logging\.logWriter$/;

function checkIdentities(config: TerraformConfig, problems: string[]): void {
  const root = rootModule(config);
  const deployerRoles = local<string[]>(root, 'deployer_roles');
  for (const role of deployerRoles)
    if (/projectIamAdmin|resourcemanager\.|iam\.securityAdmin|roles\/iam\.admin/.test(role))
      problems.push(
        `terraform/iam.tf: local.deployer_roles grants ${role} with no condition: the deployer could grant anything`,
      );
  const grants = flat(local(root, 'deployer_project_roles'));
  if (
    !grants.includes('role = "roles/resourcemanager.projectIamAdmin"') ||
    !grants.includes(
      'expression = "api.getAttribute(\'iam.googleapis.com/modifiedGrantsByRole\', []).hasOnly(${jsonencode(local.pipeline_grantable_roles)})"',
    )
  )
    problems.push(
      "terraform/iam.tf: the deployer's roles/resourcemanager.projectIamAdmin must be conditioned on modifiedGrantsByRole hasOnly local.pipeline_grantable_roles",
    );

  const grantable = evaluatedLocal<string[]>(root, 'pipeline_grantable_roles');
  for (const role of grantable)
    if (ADMIN_ROLE.test(role))
      problems.push(
        `terraform/iam.tf: local.pipeline_grantable_roles lets the deployer grant ${role}`,
      );
  // Every project role the configuration grants, but the pipeline's own, must be grantable.
  const accounts = flat(find(root, 'module.service_accounts').body.accounts);
  const handedOut = [...accounts.matchAll(/for role in local\.(\w+) :/g)]
    .map((m) => m[1]!)
    .filter((name) => !['deployer_roles', 'planner_project_roles'].includes(name))
    .flatMap((name) => evaluatedLocal<string[]>(root, name));
  for (const r of root.resources.filter((r) => r.type.startsWith('google_project_iam_')))
    handedOut.push(String(r.body.role));
  for (const role of handedOut)
    if (!grantable.includes(role))
      problems.push(
        `terraform/iam.tf: the configuration grants ${role} on the project but local.pipeline_grantable_roles does not list it: the deployer's apply would be refused`,
      );

  for (const role of local<string[]>(root, 'planner_project_roles'))
    if (!READ_ONLY_ROLE.test(role))
      problems.push(
        `terraform/iam.tf: local.planner_project_roles grants ${role}; every push of every branch runs as the planner, which must only read`,
      );
  const planner = accounts.split('planner = {')[1]?.split('deployer = {')[0] ?? '';
  if (
    !planner.includes('project_roles = [for role in local.planner_project_roles : { role = role }]')
  )
    problems.push(
      'terraform/iam.tf: the planner holds local.planner_project_roles and nothing else',
    );
  // Beyond its read-only project roles, the planner writes exactly two things: plans (create
  // only, checkSavedPlan) and the functions' images, in their one repository.
  const PLANNER = '${module.service_accounts.members["planner"]}';
  const plannerGrants = root.resources.filter(
    (r) =>
      /_iam_(binding|member)$/.test(r.type) &&
      JSON.stringify(r.body).includes(JSON.stringify(PLANNER)),
  );
  const images = plannerGrants.find(
    (r) => r.address === 'google_artifact_registry_repository_iam_binding.image_writers',
  );
  if (
    images?.body.role !== 'roles/artifactregistry.writer' ||
    images.body.repository !== '${google_artifact_registry_repository.images.name}' ||
    JSON.stringify(images.body.members) !== JSON.stringify([PLANNER])
  )
    problems.push(
      "terraform/functions.tf: the planner pushes the functions' images to their repository (roles/artifactregistry.writer on google_artifact_registry_repository.images), and only there",
    );
  for (const r of plannerGrants)
    if (
      ![
        'google_storage_bucket_iam_binding.plan_writers',
        'google_artifact_registry_repository_iam_binding.image_writers',
      ].includes(r.address)
    )
      problems.push(
        `${r.file}: ${r.address} grants the planner ${String(r.body.role)}; every push of every branch runs as the planner, which writes only plans and images`,
      );
  const planTriggers = find(root, 'module.plan_triggers').body;
  if (planTriggers.service_account !== '${module.service_accounts.ids["planner"]}')
    problems.push(
      'terraform/pipeline.tf: the plan triggers (every branch) must run as the planner',
    );
}

function checkDatabaseUsers(config: TerraformConfig, pipeline: Pipeline, problems: string[]): void {
  const root = rootModule(config);
  const users = root.resources.find(
    (r) => r.type === 'google_sql_user' && r.name === 'functions',
  )?.body;
  if (
    users?.for_each !== '${local.function_declarations}' ||
    users.type !== 'CLOUD_IAM_SERVICE_ACCOUNT' ||
    users.name !==
      '${trimsuffix(module.service_accounts.emails["fn-${each.key}"], ".gserviceaccount.com")}'
  )
    problems.push(
      'terraform/database.tf: each function needs its own IAM database user (google_sql_user.functions, CLOUD_IAM_SERVICE_ACCOUNT, its fn-<name> account): Cloud SQL makes a built-in user a cloudsqlsuperuser',
    );
  if (
    !flat(find(root, 'module.database').body.instance).includes(
      '"cloudsql.iam_authentication" = "on"',
    )
  )
    problems.push('terraform/database.tf: the instance must have cloudsql.iam_authentication on');
  if (!/^\s*CLOUD_SQL_AUTH_TYPE\s*=\s*"IAM"$/m.test(String(local(root, 'setting_values'))))
    problems.push(
      'terraform/functions.tf: functions must sign in with IAM (CLOUD_SQL_AUTH_TYPE = "IAM")',
    );
  const perFunction = flat(local(root, 'function_settings'));
  if (
    !perFunction.includes('for name, user in google_sql_user.functions') ||
    !perFunction.includes('DATABASE_USER = user.name') ||
    /module\.database\.user/.test(flat(local(root, 'setting_values')))
  )
    problems.push(
      "terraform/functions.tf: a function's DATABASE_USER must be its own IAM user, never module.database.user (the schema's owner)",
    );
  const declarations = evaluatedLocal<Record<string, { secrets: string[] }>>(
    root,
    'function_declarations',
  );
  for (const [name, f] of Object.entries(declarations))
    if (f.secrets.includes('DATABASE_PASSWORD'))
      problems.push(
        `terraform/declarations.tf: ${name} reads DATABASE_PASSWORD, the schema owner's password`,
      );
  const output = find(root, 'output.database').body.value as Body | undefined;
  if (output?.runtime_users !== '${[for user in google_sql_user.functions : user.name]}')
    problems.push(
      "terraform/outputs.tf: output.database.runtime_users must list the functions' users",
    );
  const grant = running(pipeline.apply, /npm run migrate:grant-runtime -- "\$\{users\[@\]\}"/)[0];
  const apply = running(pipeline.apply, /terraform apply/)[0];
  if (
    !grant ||
    !apply ||
    !before(pipeline.apply, grant).has(apply) ||
    !/runtime_users/.test(
      (pipeline.apply.steps as Step[]).find((s) => s.id === grant)?.script ?? '',
    )
  )
    problems.push(
      "cloudbuild-apply.yaml: once applied, the functions' users (output database.runtime_users) must be made runtime users (npm run migrate:grant-runtime)",
    );
}

/** Every rule the pipeline breaks; empty when it keeps them all. */
export function checkPipeline(config: TerraformConfig, pipeline: Pipeline): string[] {
  const problems: string[] = [];
  checkApproval(config, problems);
  checkSavedPlan(config, pipeline, problems);
  checkSerialised(pipeline, problems);
  checkIdentities(config, problems);
  checkDatabaseUsers(config, pipeline, problems);
  return problems;
}
