import { loadProviderSchema } from './support/provider-schema';
import { checkPasswordRotation } from './support/rotation';
import { copyConfig, find, loadTerraform, type TerraformConfig } from './support/terraform';

let config: TerraformConfig;
const DATABASE = 'modules/cloud-sql-postgres';
const FILE = 'terraform/modules/cloud-sql-postgres/user.tf';

beforeAll(async () => {
  config = await loadTerraform();
});

/** A copy of the configuration with its password version and user, to break. */
function broken() {
  const copy = copyConfig(config);
  const module = copy.modules.get(DATABASE)!;
  return {
    copy,
    version: find(module, 'google_secret_manager_secret_version.password').body,
    user: find(module, 'google_sql_user.this').body,
  };
}

describe('rotating the database password (password_version + 1)', () => {
  it('creates the new version first, disables the old one, and changes the user after the secret', () => {
    expect(checkPasswordRotation(config)).toEqual([]);
  });

  it('uses arguments the provider has: deletion_policy is a string of google_secret_manager_secret_version', () => {
    // The schema the infra tests check every resource against (provider-schema.test.ts); it
    // lists no values, so the value is the one the provider documents: DELETE, DISABLE, ABANDON.
    expect(
      loadProviderSchema().resources.google_secret_manager_secret_version!.attributes
        ?.deletion_policy,
    ).toEqual({ type: 'string' });
  });

  it('is reported when the new version no longer comes before the old one goes', () => {
    const { copy, version } = broken();
    delete version.lifecycle;

    expect(checkPasswordRotation(copy)).toEqual([
      `${FILE}: google_secret_manager_secret_version.password must set lifecycle { create_before_destroy = true }: a new value's version must exist before the old one goes`,
    ]);
  });

  it('is reported when a replaced version is destroyed, not disabled', () => {
    const { copy, version } = broken();
    version.deletion_policy = 'DELETE';

    expect(checkPasswordRotation(copy)).toEqual([
      `${FILE}: google_secret_manager_secret_version.password must set deletion_policy = "DISABLE": a replaced version is disabled, not destroyed at once`,
    ]);
  });

  it('is reported when the user may take the new password before the secret holds it', () => {
    const { copy, user } = broken();
    delete user.depends_on;

    expect(checkPasswordRotation(copy)).toEqual([
      `${FILE}: google_sql_user.this must depend on google_secret_manager_secret_version.password: the database may take a new password only once the secret holds it`,
    ]);
  });

  it('is reported when the password the user takes is not the one the secret stores', () => {
    const { copy, user } = broken();
    user.password_wo = '${ephemeral.random_password.other.result}';

    expect(checkPasswordRotation(copy)).toEqual([
      `${FILE}: google_sql_user.this: its password_wo is stored in no rotatable google_secret_manager_secret_version of this module`,
    ]);
  });
});
