import { blocks, isExpression, type Declaration, type TerraformConfig } from './terraform';

/**
 * A password rotation that refuses no login (README, Rotating the database password). When a
 * secret version's data changes with an input (secret_data_wo_version is an expression), a new
 * value replaces the version: the new version must be created before the old one goes
 * (create_before_destroy) and the old one disabled, not destroyed at once (deletion_policy =
 * "DISABLE"). A database user whose password is that data must take it only after the secret
 * holds it (depends_on the version), so a client it refuses finds the new value on re-reading.
 */
export function checkPasswordRotation(config: TerraformConfig): string[] {
  const problems: string[] = [];
  for (const module of config.modules.values()) {
    const versions = module.resources.filter(
      (r) =>
        r.type === 'google_secret_manager_secret_version' &&
        isExpression(r.body.secret_data_wo_version),
    );
    for (const version of versions) {
      const where = `${version.file}: ${version.address}`;
      if (blocks(version.body, 'lifecycle')[0]?.create_before_destroy !== true)
        problems.push(
          `${where} must set lifecycle { create_before_destroy = true }: a new value's version must exist before the old one goes`,
        );
      if (version.body.deletion_policy !== 'DISABLE')
        problems.push(
          `${where} must set deletion_policy = "DISABLE": a replaced version is disabled, not destroyed at once`,
        );
    }
    for (const user of module.resources.filter(
      (r) => r.type === 'google_sql_user' && r.body.password_wo !== undefined,
    )) {
      const holders = versions.filter((v) => v.body.secret_data_wo === user.body.password_wo);
      if (holders.length === 0)
        problems.push(
          `${user.file}: ${user.address}: its password_wo is stored in no rotatable google_secret_manager_secret_version of this module`,
        );
      for (const holder of holders)
        if (!dependsOn(user).includes(holder.address))
          problems.push(
            `${user.file}: ${user.address} must depend on ${holder.address}: the database may take a new password only once the secret holds it`,
          );
    }
  }
  return problems;
}

function dependsOn(declaration: Declaration): string[] {
  return ((declaration.body.depends_on as string[] | undefined) ?? []).map((d) =>
    d.replace(/^\$\{|\}$/g, ''),
  );
}
