import { join, normalize } from 'node:path';
import { local, rootModule, type TerraformConfig, type TerraformModule } from './terraform';

/**
 * What a function needs before it starts (its secrets with their readers and values, the
 * database user with its password) comes first by data, not by a module-level depends_on.
 * Such a depends_on makes Terraform read the called module's data sources at apply time
 * whenever anything it names changes: whatever a function is deployed from that a data source
 * reads (as its bundle, data.archive_file, was before the functions ran images by digest)
 * becomes "known after apply", and all of them redeploy.
 */

/** The module a call's local source points to. */
function called(config: TerraformConfig, caller: TerraformModule, source: unknown) {
  return typeof source === 'string'
    ? config.modules.get(normalize(join(caller.dir, source)).replace(/^\.$/, ''))
    : undefined;
}

/** Whether a module, or any module it calls, reads a data source. */
function readsData(config: TerraformConfig, module: TerraformModule): boolean {
  return (
    module.dataSources.length > 0 ||
    module.moduleCalls.some((c) => {
      const target = called(config, module, c.body.source);
      return target !== undefined && readsData(config, target);
    })
  );
}

/** The addresses an output's depends_on names. */
function dependsOn(module: TerraformModule | undefined, output: string): string[] {
  const body = module?.outputs.get(output)?.body;
  return ((body?.depends_on as string[] | undefined) ?? []).map((d) => d.replace(/^\$\{|\}$/g, ''));
}

export function checkOrdering(config: TerraformConfig): string[] {
  const problems: string[] = [];
  for (const module of config.modules.values())
    for (const call of module.moduleCalls) {
      const target = called(config, module, call.body.source);
      if ('depends_on' in call.body && target && readsData(config, target))
        problems.push(
          `${call.file}: ${call.address}: a module-level depends_on defers its data sources to apply time whenever a dependency changes (every function would redeploy): depend on values instead`,
        );
    }

  const secrets = dependsOn(config.modules.get('modules/secrets'), 'secret_ids');
  for (const needed of [
    'google_secret_manager_secret_iam_binding.this',
    'google_secret_manager_secret_version.seed',
  ])
    if (!secrets.includes(needed))
      problems.push(
        `terraform/modules/secrets/outputs.tf: output.secret_ids must depend on ${needed}: functions read their secrets at cold start`,
      );
  if (
    !dependsOn(config.modules.get('modules/cloud-sql-postgres'), 'user').includes(
      'google_secret_manager_secret_version.password',
    )
  )
    problems.push(
      'terraform/modules/cloud-sql-postgres/outputs.tf: output.user must depend on google_secret_manager_secret_version.password: the pipeline migrates with it',
    );

  const root = rootModule(config);
  for (const [name, setting, source] of [
    ['setting_values', 'API_KEYS', 'module.secrets.secret_ids['],
    ['function_settings', 'DATABASE_USER', 'user.name'],
  ])
    if (
      !new RegExp(`(^|\\{)\\s*${setting}\\s*=.*${source!.replace(/[.[]/g, '\\$&')}`, 'm').test(
        String(local<string>(root, name!)),
      )
    )
      problems.push(
        `terraform/functions.tf: local.${name}.${setting} must come from ${source}, so each function waits for it`,
      );
  if (
    !/for name, user in google_sql_user\.functions/.test(String(local(root, 'function_settings')))
  )
    problems.push(
      "terraform/functions.tf: local.function_settings must come from google_sql_user.functions: a function's database user exists before it starts",
    );
  return problems;
}
