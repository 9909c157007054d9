import { deployments } from '../../shared/deploy/functions';
import { evaluate, type Scope } from './support/evaluate';
import {
  copyConfig,
  find,
  loadTerraform,
  strings,
  type Body,
  type Declaration,
  type TerraformConfig,
} from './support/terraform';

/**
 * Public functions without allUsers (issue 13): organisations with domain-restricted sharing
 * refuse an allUsers member, so a public function is one whose Cloud Run service does not check
 * invokers (invoker_iam_disabled), and only a function that only reads may be one. Evaluated
 * offline on modules/cloud-function as a caller would call it.
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const MODULE = 'modules/cloud-function';
const EVERYONE = /\b(allUsers|allAuthenticatedUsers)\b/;

/** The scope inside modules/cloud-function called with this trigger. */
function called(c: TerraformConfig, trigger: Body): Scope {
  const call: Declaration = {
    file: 'test',
    address: 'module.function',
    type: '',
    name: 'function',
    body: { name: 'stats', trigger },
  };
  return {
    config: c,
    module: c.modules.get(MODULE)!,
    caller: { call, scope: { config: c, module: c.modules.get('')! } },
  };
}

const PUBLIC_READER = { http: { read_only: true, public: true }, push: null };
const PRIVATE_READER = { http: { read_only: true, public: false }, push: null };
/** people asking to be public. */
const PUBLIC_WRITER = { http: { read_only: false, public: true }, push: null };
const PUSHED = {
  http: null,
  push: { service_account_email: 'push-audit-log@p.iam.gserviceaccount.com' },
};

/** invoker_iam_disabled of the function's Cloud Run service, for this trigger. */
function invokerCheckOff(c: TerraformConfig, trigger: Body): unknown {
  const service = c.modules
    .get(MODULE)!
    .resources.filter((r) => r.type === 'google_cloud_run_v2_service');
  expect(service).toHaveLength(1);
  return evaluate(service[0]!.body.invoker_iam_disabled, called(c, trigger));
}

/** Whether every validation of var.trigger accepts it (false: the plan fails). */
function triggerAccepted(c: TerraformConfig, trigger: Body): unknown {
  const validations = find(c.modules.get(MODULE)!, 'var.trigger').body.validation as Body[];
  expect(validations).toHaveLength(2);
  const results = validations.map((v) => evaluate(v.condition, called(c, trigger)));
  return results.every((r) => typeof r === 'boolean') ? results.every(Boolean) : results;
}

/** Every string of every file and tfvars of the configuration, but variable declarations (whose validations name what they refuse). */
function* everyString(c: TerraformConfig): Generator<[string, string]> {
  for (const module of c.modules.values())
    for (const [file, body] of module.files) {
      const { variable: _variables, ...rest } = body;
      for (const [, text] of strings(rest)) yield [file, text];
    }
  for (const [environment, values] of c.tfvars)
    for (const [, text] of strings(values)) yield [`terraform/envs/${environment}.tfvars`, text];
}

describe('a public function', () => {
  it('is one whose Cloud Run service does not check invokers, and only when it only reads', () => {
    expect(invokerCheckOff(config, PUBLIC_READER)).toBe(true);
    expect(invokerCheckOff(config, PRIVATE_READER)).toBe(false);
    expect(invokerCheckOff(config, PUSHED)).toBe(false);
    expect(invokerCheckOff(config, PUBLIC_WRITER)).toBe(false);
  });

  it('is refused before any plan when it writes, as people does', () => {
    expect(deployments.find((d) => d.name === 'people')?.readOnly).toBe(false);
    expect(triggerAccepted(config, PUBLIC_READER)).toBe(true);
    expect(triggerAccepted(config, PRIVATE_READER)).toBe(true);
    expect(triggerAccepted(config, PUBLIC_WRITER)).toBe(false);
  });

  it('has no allUsers (or allAuthenticatedUsers) member anywhere in the configuration', () => {
    const found = [...everyString(config)].filter(([, text]) => EVERYONE.test(text));
    expect(found).toEqual([]);
  });

  describe('reports', () => {
    it('a service that checks invokers whatever public says', () => {
      const broken = copyConfig(config);
      broken.modules
        .get(MODULE)!
        .resources.find(
          (r) => r.type === 'google_cloud_run_v2_service',
        )!.body.invoker_iam_disabled = false;
      expect(invokerCheckOff(broken, PUBLIC_READER)).toBe(false);
    });

    it('a writer let through by the trigger validation', () => {
      const broken = copyConfig(config);
      const validations = find(broken.modules.get(MODULE)!, 'var.trigger').body
        .validation as Body[];
      validations[1]!.condition = '${try(!var.trigger.http.public || true, true)}';
      expect(triggerAccepted(broken, PUBLIC_WRITER)).toBe(true);
    });

    it('an allUsers member in a tfvars', () => {
      const broken = copyConfig(config);
      (broken.tfvars.get('testing')!.functions as Record<string, Body>).stats = {
        invokers: ['allUsers'],
      };
      expect([...everyString(broken)].filter(([, text]) => EVERYONE.test(text))).toEqual([
        ['terraform/envs/testing.tfvars', 'allUsers'],
      ]);
    });
  });
});
