import { checkOrdering } from './support/ordering';
import {
  copyConfig,
  find,
  loadTerraform,
  rootModule,
  type TerraformConfig,
} from './support/terraform';

let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

describe('a function deploy', () => {
  it('waits for its secrets and its own database user by data, with no module-level depends_on', () => {
    expect(checkOrdering(config)).toEqual([]);
  });

  it('is reported when module.functions reads data and gets a module-level depends_on again', () => {
    const broken = copyConfig(config);
    // Looking each image up by its tag, say, instead of the digest the pipeline passes.
    broken.modules.get('modules/cloud-function')!.dataSources.push({
      file: 'terraform/modules/cloud-function/main.tf',
      address: 'data.google_artifact_registry_docker_image.this',
      type: 'google_artifact_registry_docker_image',
      name: 'this',
      body: { image_name: '${var.name}:latest' },
    });
    find(rootModule(broken), 'module.functions').body.depends_on = [
      '${module.secrets}',
      '${module.database}',
    ];

    expect(checkOrdering(broken)).toEqual([
      'terraform/functions.tf: module.functions: a module-level depends_on defers its data sources to apply time whenever a dependency changes (every function would redeploy): depend on values instead',
    ]);
  });

  it('is reported when the secrets or the user no longer wait for their grants and values', () => {
    const broken = copyConfig(config);
    delete broken.modules.get('modules/secrets')!.outputs.get('secret_ids')!.body.depends_on;
    delete broken.modules.get('modules/cloud-sql-postgres')!.outputs.get('user')!.body.depends_on;

    expect(checkOrdering(broken)).toEqual([
      'terraform/modules/secrets/outputs.tf: output.secret_ids must depend on google_secret_manager_secret_iam_binding.this: functions read their secrets at cold start',
      'terraform/modules/secrets/outputs.tf: output.secret_ids must depend on google_secret_manager_secret_version.seed: functions read their secrets at cold start',
      'terraform/modules/cloud-sql-postgres/outputs.tf: output.user must depend on google_secret_manager_secret_version.password: the pipeline migrates with it',
    ]);
  });

  it('is reported when a setting stops coming from the resource that orders it', () => {
    const broken = copyConfig(config);
    const values = rootModule(broken).locals.get('function_settings')!;
    values.value = String(values.value).replace('user.name', 'name');

    expect(checkOrdering(broken)).toEqual([
      'terraform/functions.tf: local.function_settings.DATABASE_USER must come from user.name, so each function waits for it',
    ]);
  });
});
