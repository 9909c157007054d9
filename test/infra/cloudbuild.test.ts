import { accessSync, constants, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CLOUDBUILD_APPLY_FILE,
  checkCloudBuild,
  loadBuildProtos,
  loadCloudBuild,
  type BuildConfig,
} from './support/cloudbuild';
import {
  REPO,
  find,
  loadTerraform,
  local,
  rootModule,
  TERRAFORM_DIR,
  type Body,
} from './support/terraform';

const protos = loadBuildProtos();
const plan = loadCloudBuild();
const apply = loadCloudBuild(CLOUDBUILD_APPLY_FILE);
let planTriggers: Body;
let applyTriggers: Body;
let branchPatterns: Record<string, Record<string, string>>;
let deployerAccount: string;
const flat = (text: string) => text.replace(/\s+/g, ' ');

beforeAll(async () => {
  const config = await loadTerraform();
  planTriggers = find(rootModule(config), 'module.plan_triggers').body;
  applyTriggers = find(rootModule(config), 'module.apply_triggers').body;
  branchPatterns = local(config.modules.get('modules/naming')!, 'branch_patterns');
  const accounts = String(find(rootModule(config), 'module.service_accounts').body.accounts);
  deployerAccount = accounts.slice(accounts.indexOf('deployer = {'));
});

type Step = {
  id: string;
  name: string;
  waitFor?: string[];
  script?: string;
  env?: string[];
  secretEnv?: string[];
};
const stepOf = (build: BuildConfig) => (id: string) =>
  (build.steps as Step[]).find((s) => s.id === id)!;
const planStep = stepOf(plan);
const applyStep = stepOf(apply);
const passed = (triggers: Body) => Object.keys(triggers.substitutions as Body);

describe('cloudbuild.yaml (plan) and cloudbuild-apply.yaml (apply)', () => {
  it('are valid Builds, each declaring exactly the substitutions its Terraform triggers pass', () => {
    expect(passed(planTriggers)).toEqual(['_ENV', '_IMAGES', '_PIPELINE_BUCKET']);
    expect(passed(applyTriggers)).toEqual(
      expect.arrayContaining(['_ENV', '_PIPELINE_BUCKET', '_REPOSITORY', '_SQL_INSTANCE']),
    );
    expect(checkCloudBuild(plan, protos, passed(planTriggers))).toEqual([]);
    expect(checkCloudBuild(apply, protos, passed(applyTriggers))).toEqual([]);
  });

  it('read user substitutions in scripts only through env, which substitution checking counts', () => {
    const migrate = applyStep('migrate');
    expect(migrate.env).toContain('SQL_INSTANCE=${_SQL_INSTANCE}');
    for (const build of [plan, apply])
      for (const step of build.steps as Step[])
        expect(`${step.id}: ${step.script ?? ''}`).not.toMatch(/\$\{?_[A-Z]/);
  });

  it('run scripts of the repository that exist and are executable', () => {
    for (const build of [plan, apply])
      for (const step of build.steps as Step[])
        for (const [script] of (step.script ?? '').matchAll(/scripts\/pipeline\/[\w-]+\.sh/g)) {
          expect(existsSync(join(REPO, script))).toBe(true);
          expect(() => accessSync(join(REPO, script), constants.X_OK)).not.toThrow();
        }
  });

  it('log to Cloud Logging only, as builds running as a user-specified service account must', () => {
    for (const build of [plan, apply])
      expect(build.options).toMatchObject({
        logging: 'CLOUD_LOGGING_ONLY',
        automapSubstitutions: true,
        substitutionOption: 'MUST_MATCH',
      });
  });
});

describe('the plan build', () => {
  it('installs from the lockfile, then lints, typechecks, tests, bundles and builds the images before planning', () => {
    expect(planStep('install').script).toMatch(/npm ci/);
    expect(planStep('lint').script).toBe('npm run lint');
    expect(planStep('typecheck').script).toBe('npm run typecheck');
    expect(planStep('test').script).toMatch(/\nnpm test\n/);
    expect(planStep('bundle').script).toBe('npm run build');
    expect(planStep('images').script).toBe('scripts/pipeline/images.sh build');
    expect(planStep('images').waitFor).toEqual(['bundle']);
    expect(planStep('image-digests').script).toBe('scripts/pipeline/images.sh digests');
    expect(planStep('image-digests').waitFor).toEqual(['images']);
    expect(planStep('plan').waitFor).toEqual([
      'lint',
      'typecheck',
      'terraform-checks',
      'test',
      'image-digests',
    ]);
    expect(planStep('publish-plan').waitFor).toEqual(['plan']);
  });

  it('runs every suite in the test step, with its own PostgreSQL, Chromium and emulator', () => {
    const test = planStep('test');
    expect(test.script).toMatch(/scripts\/pipeline\/test-services\.sh\nnpm test/);
    expect(test.env).toEqual(
      expect.arrayContaining([
        'REQUIRE_POSTGRES=1',
        'REQUIRE_EMULATOR=1',
        'REQUIRE_BROWSER=1',
        'TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres',
      ]),
    );
    // An external emulator makes the fault suites skip; a shared one cannot be stopped.
    expect(JSON.stringify(plan)).not.toMatch(/TEST_PUBSUB_EMULATOR_HOST|docker run/);
  });

  it("plans with the environment's backend and tfvars, both of which exist for every environment", () => {
    const script = planStep('plan').script!;
    expect(script).toMatch(
      /terraform init -input=false -lockfile=readonly -backend-config="envs\/\$ENV\.gcs\.tfbackend"/,
    );
    expect(script).toMatch(
      /terraform plan .*-var-file="envs\/\$ENV\.tfvars" -var-file=\/workspace\/images\.tfvars\.json -out=plan\.tfplan/,
    );
    for (const environment of ['production', 'testing', 'development']) {
      expect(existsSync(join(TERRAFORM_DIR, `envs/${environment}.tfvars`))).toBe(true);
      expect(existsSync(join(TERRAFORM_DIR, `envs/${environment}.gcs.tfbackend`))).toBe(true);
    }
  });
});

describe('the apply build', () => {
  it('migrates through the checksum-verified Cloud SQL Auth Proxy as the schema owner', () => {
    const migrate = applyStep('migrate');
    expect(migrate.secretEnv).toEqual(['DATABASE_PASSWORD']);
    expect(migrate.script).toBe('scripts/pipeline/cloud-sql-proxy.sh npm run migrate');
    expect(migrate.env).toEqual(
      expect.arrayContaining(['DATABASE_USER=${_DATABASE_USER}', 'DATABASE_HOST=127.0.0.1']),
    );
    expect(apply.availableSecrets).toEqual({
      secretManager: [
        {
          versionName: 'projects/$PROJECT_ID/secrets/${_DATABASE_PASSWORD_SECRET}/versions/latest',
          env: 'DATABASE_PASSWORD',
        },
      ],
    });
  });

  it("smoke-tests people with the deployer's ID token, which it may mint", () => {
    expect(flat(deployerAccount)).toContain(
      '"roles/iam.serviceAccountOpenIdTokenCreator" = [local.deployer_member]',
    );
    const smoke = applyStep('smoke').script!;
    expect(smoke).not.toMatch(/print-identity-token/);
    expect(smoke).toMatch(
      /curl -fsS -H 'Metadata-Flavor: Google' \\\n\s+"http:\/\/metadata\.google\.internal\/computeMetadata\/v1\/instance\/service-accounts\/default\/identity\?audience=\$audience"/,
    );
    expect(smoke).toMatch(
      /curl -fsS -H "X-Serverless-Authorization: Bearer \$token" "\$url\?limit=1"/,
    );
  });
});

describe('the Cloud Build triggers', () => {
  it('plan and apply each environment from its git-flow branches', () => {
    expect(branchPatterns).toEqual({
      production: { master: '^master$' },
      testing: { develop: '^develop$', release: '^(release|hotfix)/.+$' },
      development: { feature: '^feature/.+$' },
    });
    for (const triggers of [planTriggers, applyTriggers])
      expect(String(triggers.triggers)).toMatch(
        /for key, branch in module\.naming\.branch_patterns/,
      );
  });

  it('pass the environment as _ENV; plan as the planner, apply as the deployer', () => {
    for (const triggers of [planTriggers, applyTriggers])
      expect((triggers.substitutions as Body)._ENV).toBe('${var.environment}');
    expect(planTriggers.filename).toBe('cloudbuild.yaml');
    expect(planTriggers.service_account).toBe('${module.service_accounts.ids["planner"]}');
    expect(applyTriggers.filename).toBe('cloudbuild-apply.yaml');
    expect(applyTriggers.service_account).toBe('${module.service_accounts.ids["deployer"]}');
  });
});

describe('the cloudbuild.yaml check finds', () => {
  const broken = (change: (b: any) => void): string[] => {
    const copy = structuredClone(apply) as any;
    change(copy);
    return checkCloudBuild(copy as BuildConfig, protos, passed(applyTriggers));
  };
  const at = (id: string) => (apply.steps as Step[]).findIndex((s) => s.id === id);

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
      (b) => (b.steps[2].waitFor = ['plam']),
      'steps[2] (order): waitFor "plam" is not the id of an earlier step',
    ],
    [
      'a step waiting for a later one',
      (b) => (b.steps[1].waitFor = ['order']),
      'steps[1] (lock): waitFor "order" is not the id of an earlier step',
    ],
    [
      'a duplicate step id',
      (b) => (b.steps[3].id = 'lock'),
      'steps[3] (lock): id lock is used twice',
    ],
    [
      'a secret no availableSecrets declares',
      (b) => (b.steps[1].secretEnv = ['API_KEYS']),
      'steps[1].secretEnv: API_KEYS is not declared in availableSecrets',
    ],
    [
      'an undeclared substitution in a field',
      (b) => (b.steps[1].dir = '${_APP_DIR}'),
      'steps[1] (lock).dir: uses $_APP_DIR, which substitutions does not declare',
    ],
    [
      'an unescaped shell variable',
      (b) => (b.steps[1].env = ['HOME=$HOME']),
      'steps[1] (lock).env[0]: $HOME is not a built-in substitution (write $$HOME for a shell variable)',
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
        for (const step of b.steps)
          if (step.env) step.env = step.env.filter((e: string) => !e.includes('_DATABASE_USER'));
      },
      'substitutions: the triggers pass _DATABASE_USER, which cloudbuild.yaml does not declare',
    ],
    [
      'a substitution read in a script, which substitution checking does not count',
      (b) => {
        const migrate = b.steps[at('migrate')];
        migrate.env = migrate.env.filter((e: string) => !e.startsWith('SQL_INSTANCE='));
        migrate.script =
          'SQL_INSTANCE="$_SQL_INSTANCE" scripts/pipeline/cloud-sql-proxy.sh npm run migrate';
      },
      `steps[${at('migrate')}] (migrate).script: reads $_SQL_INSTANCE, which substitution checking does not count in a script: map it through env (SQL_INSTANCE=\${_SQL_INSTANCE})`,
    ],
    [
      'scripts reading built-in substitutions without automap',
      (b) => (b.options.automapSubstitutions = false),
      `steps[${at('order')}] (order).script: uses $COMMIT_SHA, but scripts see substitutions only with automapSubstitutions: true`,
    ],
  ])('%s', (_title, change, message) => {
    expect(broken(change)).toEqual(expect.arrayContaining([expect.stringContaining(message)]));
  });

  it('an unused substitution once no step maps it through env', () => {
    const problems = broken((b) => {
      for (const step of b.steps)
        if (step.env) step.env = step.env.filter((e: string) => !e.startsWith('SQL_INSTANCE='));
    });
    expect(problems).toEqual(['substitutions: _SQL_INSTANCE is declared but never used']);
  });
});
