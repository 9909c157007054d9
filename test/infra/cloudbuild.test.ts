import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  checkCloudBuild,
  loadBuildProtos,
  loadCloudBuild,
  type BuildConfig,
} from './support/cloudbuild';
import {
  find,
  loadTerraform,
  local,
  rootModule,
  TERRAFORM_DIR,
  type Body,
} from './support/terraform';

const protos = loadBuildProtos();
const build = loadCloudBuild();
let triggers: Body;
let branchPatterns: Record<string, Record<string, string>>;
let triggerSubstitutions: string[];

beforeAll(async () => {
  const config = await loadTerraform();
  triggers = find(rootModule(config), 'module.deploy_triggers').body;
  triggerSubstitutions = Object.keys(triggers.substitutions as Body);
  branchPatterns = local(config.modules.get('modules/naming')!, 'branch_patterns');
});

type Step = { id: string; name: string; waitFor?: string[]; script?: string; secretEnv?: string[] };
const steps = () => build.steps as Step[];
const step = (id: string) => steps().find((s) => s.id === id)!;
const broken = (change: (b: any) => void): string[] => {
  const copy = structuredClone(build) as any;
  change(copy);
  return checkCloudBuild(copy as BuildConfig, protos, triggerSubstitutions);
};

describe('cloudbuild.yaml', () => {
  it('is a valid Build, declaring exactly the substitutions the Terraform triggers pass', () => {
    expect(triggerSubstitutions).toEqual(expect.arrayContaining(['_ENV', '_SQL_INSTANCE']));
    expect(checkCloudBuild(build, protos, triggerSubstitutions)).toEqual([]);
  });

  it('installs from the lockfile, then lints, typechecks, tests and bundles before touching the environment', () => {
    expect(step('install').script).toMatch(/npm ci/);
    expect(step('lint').script).toBe('npm run lint');
    expect(step('typecheck').script).toBe('npm run typecheck');
    expect(step('test').script).toMatch(/npm test/);
    expect(step('bundle').script).toBe('npm run build');
    expect(step('migrate').waitFor).toEqual([
      'lint',
      'typecheck',
      'terraform-checks',
      'test',
      'bundle',
    ]);
    expect(step('deploy').waitFor).toEqual(['migrate']);
    expect(step('smoke').waitFor).toEqual(['deploy']);
  });

  it('tests against PostgreSQL and the Pub/Sub emulator on the build network, required to be there', () => {
    expect(step('services').script).toMatch(/--name=postgres --network=cloudbuild/);
    expect(step('services').script).toMatch(
      /--name=pubsub --network=cloudbuild[\s\\]+gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:emulators/,
    );
    const env = (step('test') as { env?: string[] }).env;
    expect(env).toEqual(
      expect.arrayContaining([
        'REQUIRE_POSTGRES=1',
        'REQUIRE_EMULATOR=1',
        'TEST_POSTGRES_URL=postgres://postgres@postgres:5432/postgres',
        'TEST_PUBSUB_EMULATOR_HOST=pubsub:8085',
      ]),
    );
  });

  it('migrates through the Cloud SQL Auth Proxy with the password from Secret Manager', () => {
    expect(step('migrate').secretEnv).toEqual(['DATABASE_PASSWORD']);
    expect(step('migrate').script).toMatch(/cloud-sql-proxy --port=5432 "\$_SQL_INSTANCE"/);
    expect(step('migrate').script).toMatch(/npm run migrate/);
    expect(build.availableSecrets).toEqual({
      secretManager: [
        {
          versionName: 'projects/$PROJECT_ID/secrets/${_DATABASE_PASSWORD_SECRET}/versions/latest',
          env: 'DATABASE_PASSWORD',
        },
      ],
    });
  });

  it("deploys with the environment's backend and tfvars, both of which exist for every environment", () => {
    expect(step('deploy').script).toMatch(
      /terraform init .*-backend-config="envs\/\$_ENV\.gcs\.tfbackend"/,
    );
    expect(step('deploy').script).toMatch(/terraform apply .*-var-file="envs\/\$_ENV\.tfvars"/);
    for (const environment of ['production', 'testing', 'development']) {
      expect(existsSync(join(TERRAFORM_DIR, `envs/${environment}.tfvars`))).toBe(true);
      expect(existsSync(join(TERRAFORM_DIR, `envs/${environment}.gcs.tfbackend`))).toBe(true);
    }
  });

  it('smoke-tests the deployed people URL with an identity token', () => {
    expect(step('smoke').script).toMatch(/gcloud auth print-identity-token/);
    expect(step('smoke').script).toMatch(
      /curl -fsS -H "X-Serverless-Authorization: Bearer \$token" "\$url\?limit=1"/,
    );
  });

  it('logs to Cloud Logging only, as builds running as a user-specified service account must', () => {
    expect(build.options).toMatchObject({
      logging: 'CLOUD_LOGGING_ONLY',
      automapSubstitutions: true,
    });
  });
});

describe('the Cloud Build triggers', () => {
  it('deploy each environment from its git-flow branches', () => {
    expect(branchPatterns).toEqual({
      production: { master: '^master$' },
      testing: { develop: '^develop$', release: '^(release|hotfix)/.+$' },
      development: { feature: '^feature/.+$' },
    });
    expect(String(triggers.triggers)).toMatch(/for key, branch in module\.naming\.branch_patterns/);
  });

  it('pass the environment as _ENV and run as the deployer', () => {
    expect((triggers.substitutions as Body)._ENV).toBe('${var.environment}');
    expect(triggers.service_account).toBe('${module.service_accounts.ids["deployer"]}');
  });
});

describe('the cloudbuild.yaml check finds', () => {
  it.each<[string, (b: any) => void, string]>([
    [
      'an unknown field',
      (b) => (b.steps[1].wait_for = ['-']),
      'steps[1].wait_for: BuildStep has no field wait_for (write waitFor)',
    ],
    [
      'an output-only field',
      (b) => (b.status = 'SUCCESS'),
      'status: set by Cloud Build (output only), not by a build config',
    ],
    [
      'a value of the wrong shape',
      (b) => (b.steps[1].env = 'CI=true'),
      'steps[1].env: must be a list',
    ],
    [
      'an unknown machine type',
      (b) => (b.options.machineType = 'E2_HUGE'),
      'options.machineType: "E2_HUGE" is not one of',
    ],
    [
      'a deprecated logging mode',
      (b) => (b.options.logging = 'STACKDRIVER_ONLY'),
      'options.logging: STACKDRIVER_ONLY is deprecated',
    ],
    [
      'logs a custom service account cannot write',
      (b) => (b.options.logging = 'LEGACY'),
      'options.logging: a build with a user-specified service account needs CLOUD_LOGGING_ONLY',
    ],
    [
      'a timeout that is not a duration',
      (b) => (b.timeout = '1h'),
      'timeout: must be a duration in seconds',
    ],
    [
      'a waitFor naming no earlier step',
      (b) => (b.steps[2].waitFor = ['instal']),
      'steps[2] (lint): waitFor "instal" is not the id of an earlier step',
    ],
    [
      'a step waiting for a later one',
      (b) => (b.steps[1].waitFor = ['lint']),
      'steps[1] (install): waitFor "lint" is not the id of an earlier step',
    ],
    [
      'a duplicate step id',
      (b) => (b.steps[3].id = 'lint'),
      'steps[3] (lint): id lint is used twice',
    ],
    [
      'a secret no availableSecrets declares',
      (b) => (b.steps[1].secretEnv = ['API_KEYS']),
      'steps[1].secretEnv: API_KEYS is not declared in availableSecrets',
    ],
    [
      'an undeclared substitution in a field',
      (b) => (b.steps[1].dir = '${_APP_DIR}'),
      'steps[1] (install).dir: uses $_APP_DIR, which substitutions does not declare',
    ],
    [
      'an unescaped shell variable',
      (b) => (b.steps[1].env = ['HOME=$HOME']),
      'steps[1] (install).env[0]: $HOME is not a built-in substitution (write $$HOME for a shell variable)',
    ],
    [
      'a declared substitution no step uses',
      (b) => (b.substitutions._REGION = 'europe-west1'),
      'substitutions: _REGION is declared but never used',
    ],
    [
      'a substitution the triggers pass but the file does not declare',
      (b) => {
        delete b.substitutions._DATABASE_USER;
        b.steps[7].env = b.steps[7].env.filter((e: string) => !e.includes('_DATABASE_USER'));
      },
      'substitutions: the triggers pass _DATABASE_USER, which cloudbuild.yaml does not declare',
    ],
    [
      'scripts reading substitutions without automap',
      (b) => (b.options.automapSubstitutions = false),
      'steps[7] (migrate).script: uses $_SQL_INSTANCE, but scripts see substitutions only with automapSubstitutions: true',
    ],
  ])('%s', (_title, change, message) => {
    expect(broken(change)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });
});
