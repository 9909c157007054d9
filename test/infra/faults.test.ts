import { deployments } from '../../shared/deploy/functions';
import {
  CLOUDBUILD_APPLY_FILE,
  checkCloudBuild,
  loadBuildProtos,
  loadCloudBuild,
} from './support/cloudbuild';
import { checkDrift, codeDeclarations } from './support/drift';
import { checkModuleInterfaces } from './support/module-interfaces';
import { checkProviderSchema, loadProviderSchema } from './support/provider-schema';
import { checkSecurity } from './support/security';
import {
  blocks,
  copyConfig,
  find,
  loadTerraform,
  local,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

/**
 * The faults the issue names, each injected into a copy of the real configuration: the offline
 * checks that pass on the real one (the other files of test/infra) must report them.
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

describe('the offline checks report', () => {
  it('a deliberately broken argument (misspelt, and missing)', () => {
    const broken = copyConfig(config);
    const fn = broken.modules
      .get('modules/cloud-function')!
      .resources.find((r) => r.type === 'google_cloud_run_v2_service')!;
    const scaling = blocks(blocks(fn.body, 'template')[0]!, 'scaling')[0]!;
    scaling.min_instances = scaling.min_instance_count;
    delete scaling.min_instance_count;
    const subscription = broken.modules
      .get('modules/pubsub-push-subscription')!
      .resources.find((r) => r.type === 'google_pubsub_subscription')!;
    delete subscription.body.topic;

    expect(checkProviderSchema(broken, loadProviderSchema())).toEqual([
      'terraform/modules/cloud-function/main.tf: google_cloud_run_v2_service.this: template.scaling.min_instances: unknown argument (did you mean min_instance_count?)',
      'terraform/modules/pubsub-push-subscription/main.tf: google_pubsub_subscription.this: topic: missing required argument',
    ]);
  });

  it('a missing substitution', () => {
    const build = structuredClone(loadCloudBuild(CLOUDBUILD_APPLY_FILE)) as {
      substitutions: Record<string, string>;
    };
    delete build.substitutions._SQL_INSTANCE;
    const triggers = Object.keys(
      find(rootModule(config), 'module.apply_triggers').body.substitutions as Body,
    );

    expect(checkCloudBuild(build, loadBuildProtos(), triggers)).toEqual([
      'steps[4] (migrate).env[0]: uses $_SQL_INSTANCE, which substitutions does not declare',
      'steps[7] (grant).env[0]: uses $_SQL_INSTANCE, which substitutions does not declare',
      'substitutions: the triggers pass _SQL_INSTANCE, which cloudbuild.yaml does not declare',
    ]);
  });

  it('an undeclared function, on either side', () => {
    const code = codeDeclarations();
    code.deployments.push({
      name: 'import-csv',
      kind: 'event',
      readOnly: false,
      secrets: ['API_KEYS'],
      publishesEvents: true,
      settings: ['APP_ENV'],
    });
    const terraform = copyConfig(config);
    local<Record<string, unknown>>(rootModule(terraform), 'function_declarations')['export-pdf'] = {
      kind: 'http',
      read_only: true,
      secrets: [],
      publishes_events: false,
      settings: ['APP_ENV'],
    };

    expect(checkDrift(terraform, code)).toEqual([
      'function import-csv is declared in shared/deploy/functions.ts but Terraform does not deploy it (add it to local.function_declarations in terraform/declarations.tf)',
      'function export-pdf is deployed by Terraform (terraform/declarations.tf) but shared/deploy/functions.ts does not declare it',
    ]);
  });

  it('a setting every function gets, dropped on either side', () => {
    const code = codeDeclarations();
    for (const d of code.deployments) d.settings = d.settings.filter((s) => s !== 'LOG_LEVEL');
    const terraform = copyConfig(config);
    const common = local<string[]>(rootModule(terraform), 'common_settings');
    common.splice(common.indexOf('DB_POOL_MAX'), 1);
    const where = 'terraform/declarations.tf: local.function_declarations';

    expect(checkDrift(config, code).filter((p) => p.startsWith(where))).toEqual(
      code.deployments.map(
        (d) =>
          `${where}.${d.name}.settings differ from the code's: Terraform only LOG_LEVEL; code only (none)`,
      ),
    );
    expect(checkDrift(terraform, codeDeclarations()).filter((p) => p.startsWith(where))).toEqual(
      code.deployments.map(
        (d) =>
          `${where}.${d.name}.settings differ from the code's: Terraform only (none); code only DB_POOL_MAX`,
      ),
    );
  });

  it('a declaration the offline checks cannot evaluate', () => {
    const terraform = copyConfig(config);
    local<Record<string, Body>>(rootModule(terraform), 'function_declarations').health!.settings =
      '${setunion(local.common_settings, ["API_KEYS"])}';

    expect(() => checkDrift(terraform, codeDeclarations())).toThrow(
      'terraform/declarations.tf: local.function_declarations: cannot evaluate ${setunion(local.common_settings, ["API_KEYS"])} offline; use literals, local.<name> and concat()',
    );
  });

  it('a state migration that names what is still declared', () => {
    const broken = copyConfig(config);
    const migrations = rootModule(broken).files.get('terraform/moved.tf')!;
    (migrations.removed as Body[]).push({
      from: '${module.secrets.google_secret_manager_secret_iam_binding.this}',
    });
    (migrations.moved as Body[]).push({ from: '${module.functions["people"]}', to: '${module.x}' });

    expect(checkModuleInterfaces(broken)).toEqual([
      'terraform/moved.tf: moved[7].to: module.x is not a module call of terraform/.',
      'terraform/moved.tf: moved[7].from: module.functions["people"] is still declared; moved names what is gone',
      'terraform/moved.tf: removed[7].from: module.secrets.google_secret_manager_secret_iam_binding.this is still declared; removed names what is gone',
    ]);
  });

  it('a public write function', () => {
    const broken = copyConfig(config);
    const functions = broken.tfvars.get('production')!.functions as Record<string, Body>;
    functions.people!.public = true;

    expect(checkSecurity(broken, deployments)).toEqual([
      'terraform/envs/production.tfvars: functions.people.public = true, but people writes (readOnly: false in shared/deploy/functions.ts): only read-only HTTP functions may be public',
    ]);
  });
});
