import { CLOUDBUILD_APPLY_FILE, loadCloudBuild } from './support/cloudbuild';
import { checkPipeline, loadScripts, type Pipeline } from './support/pipeline';
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
const pipeline: Pipeline = {
  plan: loadCloudBuild(),
  apply: loadCloudBuild(CLOUDBUILD_APPLY_FILE),
  scripts: loadScripts(),
};

beforeAll(async () => {
  config = await loadTerraform();
});

type Step = { id: string; waitFor?: string[]; script?: string };
const step = (build: Body, id: string) => (build.steps as Step[]).find((s) => s.id === id)!;
const root = (c: TerraformConfig) => rootModule(c);

/** The pipeline's problems once `change` has broken a copy of it. */
function afterChange(change: (c: TerraformConfig, p: Pipeline) => void): string[] {
  const c = copyConfig(config);
  const p = structuredClone(pipeline);
  change(c, p);
  return checkPipeline(c, p);
}

describe('the pipeline', () => {
  it('cannot surprise production: every rule holds', () => {
    expect(checkPipeline(config, pipeline)).toEqual([]);
  });
});

describe('the pipeline check reports', () => {
  it.each<[string, (c: TerraformConfig, p: Pipeline) => void, string]>([
    // Production applies only approved plans, approved by the people the tfvars list.
    [
      'production without an approval',
      (c) => ((c.tfvars.get('production')!.deploy_pipeline as Body).approval_required = false),
      'terraform/envs/production.tfvars: deploy_pipeline.approval_required must be true',
    ],
    [
      'an approval nobody may give',
      (c) => ((c.tfvars.get('production')!.deploy_pipeline as Body).approvers = []),
      'terraform/envs/production.tfvars: deploy_pipeline.approvers is empty',
    ],
    [
      'apply triggers that ignore the approval setting',
      (c) => {
        const call = find(root(c), 'module.apply_triggers').body;
        call.triggers = String(call.triggers).replace(
          'approval_required = var.deploy_pipeline.approval_required',
          'approval_required = false',
        );
      },
      "module.apply_triggers must take each trigger's approval_required from var.deploy_pipeline",
    ],
    [
      'triggers that drop the approval config',
      (c) => {
        const trigger = c.modules
          .get('modules/cloudbuild-triggers')!
          .resources.find((r) => r.type === 'google_cloudbuild_trigger')!;
        blocks(trigger.body, 'approval_config')[0]!.approval_required = false;
      },
      'each trigger must carry its approval_required in approval_config',
    ],
    [
      'approvers granted by hand rather than from the tfvars',
      (c) => {
        root(c).resources.find((r) => r.name === 'build_approvers')!.body.members = [
          'user:someone@example.com',
        ];
      },
      'roles/cloudbuild.builds.approver must go to var.deploy_pipeline.approvers',
    ],
    [
      'an approval required with nobody to give it',
      (c) => {
        find(root(c), 'var.deploy_pipeline').body.validation = [];
      },
      'var.deploy_pipeline must refuse approval_required without approvers',
    ],
    // The apply build applies the saved plan, never a new one.
    [
      'an apply that plans anew',
      (_c, p) => {
        step(p.apply, 'apply').script = step(p.apply, 'apply').script!.replace(
          'terraform apply -input=false -lock-timeout=10m plan.tfplan',
          'terraform apply -input=false -auto-approve -var-file="envs/$ENV.tfvars"',
        );
      },
      'the apply step must apply the fetched saved plan (terraform apply plan.tfplan)',
    ],
    [
      'an apply that does not wait for the saved plan',
      (_c, p) => {
        (p.apply.steps as Step[]).splice(
          (p.apply.steps as Step[]).findIndex((s) => s.id === 'plan'),
          1,
        );
        step(p.apply, 'lock').waitFor = ['-'];
      },
      'the apply step must apply the fetched saved plan',
    ],
    [
      'a plan build that applies',
      (_c, p) => {
        step(p.plan, 'plan').script += 'terraform apply -input=false plan.tfplan\n';
      },
      'cloudbuild.yaml: the plan build must never apply',
    ],
    [
      'a plan of other images than the ones the build pushed',
      (_c, p) => {
        step(p.plan, 'plan').script = step(p.plan, 'plan').script!.replace(
          ' -var-file=/workspace/images.tfvars.json',
          '',
        );
      },
      'of the images this build pushed (-var-file=/workspace/images.tfvars.json',
    ],
    [
      'a plan made before the images are named by digest',
      (_c, p) => {
        step(p.plan, 'plan').waitFor = ['lint', 'typecheck', 'terraform-checks', 'test', 'bundle'];
      },
      'the plan must wait for `scripts/pipeline/images.sh digests`',
    ],
    [
      'images built before the bundles',
      (_c, p) => {
        step(p.plan, 'images').waitFor = ['install'];
      },
      'which waits for the bundles (`npm run build`)',
    ],
    [
      'a saved plan that may be replaced',
      (_c, p) => {
        p.scripts.plan = p.scripts.plan!.replace(
          'cp /workspace/plan.tgz "$PLAN.tgz" --if-generation-match=0',
          'cp /workspace/plan.tgz "$PLAN.tgz"',
        );
      },
      'publish must create the plan only if none exists',
    ],
    [
      'a plan applied whenever it was saved',
      (_c, p) => {
        p.scripts.plan = p.scripts.plan!.replace('<= $(date -d "$approved" +%s', '>= 0 || (1');
      },
      'fetch must refuse a plan saved after the approval, or written more than once',
    ],
    [
      'a planner that may overwrite plans',
      (c) => {
        root(c).resources.find((r) => r.name === 'plan_writers')!.body.role =
          'roles/storage.objectAdmin';
      },
      'the planner may only create objects in the pipeline bucket',
    ],
    // One apply at a time per environment, never an older commit over a newer one.
    [
      'an order check outside the lock',
      (_c, p) => {
        step(p.apply, 'order').waitFor = ['plan'];
        step(p.apply, 'lock').waitFor = ['migrate'];
      },
      'lock must come before order: the order check runs under the lock',
    ],
    [
      'a deploy recorded before it happens',
      (_c, p) => {
        step(p.apply, 'record').waitFor = ['order'];
        step(p.apply, 'grant').waitFor = ['apply'];
        step(p.apply, 'unlock').waitFor = ['grant', 'record'];
      },
      'apply must come before record: the deployed commit is recorded after the apply',
    ],
    [
      'a lock any build may take',
      (_c, p) => {
        p.scripts.deploy = p.scripts.deploy!.replace('--if-generation-match=0 2>&1', '2>&1');
      },
      'lock must create the lock object only if absent',
    ],
    [
      'an order check that compares nothing',
      (_c, p) => {
        p.scripts.deploy = p.scripts.deploy!.replace(
          'merge-base --is-ancestor "$deployed" "$commit"',
          'merge-base --is-ancestor "$commit" "$commit"',
        );
      },
      'order must refuse a commit the deployed one is not an ancestor of',
    ],
    // The deployer grants only what the configuration hands out; the planner only reads.
    [
      'a deployer that may grant anything',
      (c) => {
        root(c).locals.get('deployer_roles')!.value = [
          'roles/run.admin',
          'roles/resourcemanager.projectIamAdmin',
        ];
      },
      'local.deployer_roles grants roles/resourcemanager.projectIamAdmin with no condition',
    ],
    [
      'a condition that does not bound the grants',
      (c) => {
        const roles = root(c).locals.get('deployer_project_roles')!;
        roles.value = String(roles.value).replace(
          '.hasOnly(${jsonencode(local.pipeline_grantable_roles)})',
          '.size() >= 0',
        );
      },
      "the deployer's roles/resourcemanager.projectIamAdmin must be conditioned on modifiedGrantsByRole",
    ],
    [
      'an admin role among the grantable ones',
      (c) => {
        root(c).locals.get('pipeline_grantable_roles')!.value =
          '${concat(local.function_project_roles, local.retired_project_roles, ["roles/cloudbuild.builds.approver", "roles/iam.serviceAccountTokenCreator"])}';
      },
      'local.pipeline_grantable_roles lets the deployer grant roles/iam.serviceAccountTokenCreator',
    ],
    [
      'a project role the deployer could not grant',
      (c) => {
        root(c).locals.get('pipeline_grantable_roles')!.value =
          '${concat(local.function_project_roles, local.retired_project_roles)}';
      },
      'the configuration grants roles/cloudbuild.builds.approver on the project but local.pipeline_grantable_roles does not list it',
    ],
    [
      'a planner that administers the image repository',
      (c) => {
        root(c).resources.find((r) => r.name === 'image_writers')!.body.role =
          'roles/artifactregistry.repoAdmin';
      },
      "the planner pushes the functions' images to their repository (roles/artifactregistry.writer",
    ],
    [
      'a planner granted a write beyond plans and images',
      (c) => {
        root(c).resources.push({
          file: 'terraform/functions.tf',
          address: 'google_cloud_run_v2_service_iam_binding.planner',
          type: 'google_cloud_run_v2_service_iam_binding',
          name: 'planner',
          body: {
            name: 'people',
            role: 'roles/run.developer',
            members: ['${module.service_accounts.members["planner"]}'],
          },
        });
      },
      'google_cloud_run_v2_service_iam_binding.planner grants the planner roles/run.developer',
    ],
    [
      'a planner that can change things',
      (c) => {
        (root(c).locals.get('planner_project_roles')!.value as string[]).push(
          'roles/storage.admin',
        );
      },
      'local.planner_project_roles grants roles/storage.admin',
    ],
    [
      'feature branches planned as the deployer',
      (c) => {
        find(root(c), 'module.plan_triggers').body.service_account =
          '${module.service_accounts.ids["deployer"]}';
      },
      'the plan triggers (every branch) must run as the planner',
    ],
    // The functions' database users are not the schema's owner.
    [
      'functions connecting as the schema owner',
      (c) => {
        const values = root(c).locals.get('setting_values')!;
        values.value = String(values.value).replace(
          'DATABASE_NAME ',
          'DATABASE_USER        = module.database.user\n    DATABASE_NAME ',
        );
      },
      "a function's DATABASE_USER must be its own IAM user, never module.database.user",
    ],
    [
      'built-in users for the functions (cloudsqlsuperuser members)',
      (c) => {
        root(c).resources.find((r) => r.type === 'google_sql_user')!.body.type = 'BUILT_IN';
      },
      'each function needs its own IAM database user',
    ],
    [
      'an instance without IAM database authentication',
      (c) => {
        find(root(c), 'module.database').body.instance = '${var.database.instance}';
      },
      'the instance must have cloudsql.iam_authentication on',
    ],
    [
      'a function reading the owner password',
      (c) => {
        const declarations = root(c).locals.get('function_declarations')!.value as Record<
          string,
          Body
        >;
        declarations.people!.secrets = ['API_KEYS', 'DATABASE_PASSWORD'];
      },
      "terraform/declarations.tf: people reads DATABASE_PASSWORD, the schema owner's password",
    ],
    [
      'runtime users never granted',
      (_c, p) => {
        (p.apply.steps as Step[]).splice(
          (p.apply.steps as Step[]).findIndex((s) => s.id === 'grant'),
          1,
        );
        step(p.apply, 'unlock').waitFor = ['record'];
      },
      "the functions' users (output database.runtime_users) must be made runtime users",
    ],
  ])('%s', (_title, change, message) => {
    expect(afterChange(change)).toEqual([expect.stringContaining(message)]);
  });
});
