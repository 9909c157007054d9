import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkModuleInterfaces } from './support/module-interfaces';
import {
  checkProviderSchema,
  countGoogleDeclarations,
  loadProviderSchema,
} from './support/provider-schema';
import { loadTerraform, TERRAFORM_DIR, type TerraformConfig } from './support/terraform';

const schema = loadProviderSchema();
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

describe('the provider schema (terraform/schema/google-6.50.json)', () => {
  it('is hashicorp/google 6.50.0, extracted from @cdktf/provider-google 16.12.1', () => {
    expect([schema.provider, schema.version, schema.source]).toEqual([
      'registry.terraform.io/hashicorp/google',
      '6.50.0',
      '@cdktf/provider-google@16.12.1',
    ]);
    expect(Object.keys(schema.resources).length).toBeGreaterThan(1000);
    expect(Object.keys(schema.data_sources).length).toBeGreaterThan(300);
  });

  it('knows the arguments and blocks of a gen2 function', () => {
    const fn = schema.resources.google_cloudfunctions2_function!;
    expect(fn.attributes?.name).toEqual({ type: 'string', required: true });
    expect(fn.blocks?.build_config).toMatchObject({ nesting: 'single', max_items: 1 });
    expect(Object.keys(fn.blocks!.build_config!.attributes!)).toEqual(
      expect.arrayContaining(['runtime', 'entry_point', 'service_account']),
    );
    expect(fn.blocks!.build_config!.blocks!.source!.blocks!.storage_source!.attributes).toEqual(
      expect.objectContaining({ bucket: { type: 'string' }, object: { type: 'string' } }),
    );
    expect(fn.computed).toEqual(expect.arrayContaining(['url', 'state']));
  });

  it('knows a push subscription with OIDC, retry, dead letter and filter', () => {
    const sub = schema.resources.google_pubsub_subscription!;
    expect(sub.attributes?.topic?.required).toBe(true);
    expect(sub.attributes?.filter).toEqual({ type: 'string' });
    expect(sub.blocks?.push_config?.attributes?.push_endpoint?.required).toBe(true);
    expect(sub.blocks?.push_config?.blocks?.oidc_token?.attributes?.service_account_email).toEqual({
      type: 'string',
      required: true,
    });
    expect(Object.keys(sub.blocks?.dead_letter_policy?.attributes ?? {})).toEqual(
      expect.arrayContaining(['dead_letter_topic', 'max_delivery_attempts']),
    );
    expect(Object.keys(sub.blocks?.retry_policy?.attributes ?? {})).toEqual(
      expect.arrayContaining(['minimum_backoff', 'maximum_backoff']),
    );
  });

  it('marks list blocks and required blocks (min_items)', () => {
    const trigger = schema.resources.google_cloudbuild_trigger!;
    expect(trigger.blocks?.build?.blocks?.step).toMatchObject({ nesting: 'list', min_items: 1 });
    expect(schema.resources.google_secret_manager_secret!.blocks?.replication).toMatchObject({
      nesting: 'single',
      min_items: 1,
    });
  });
});

describe('the Terraform configuration', () => {
  it('pins hashicorp/google to ~> 6.50, the schema it is checked against', () => {
    const terraform = config.modules.get('')!.files.get('terraform/versions.tf')!.terraform as {
      required_providers: { google: { source: string; version: string } }[];
    }[];
    expect(terraform[0]!.required_providers[0]!.google).toEqual({
      source: 'hashicorp/google',
      version: '~> 6.50',
    });
  });

  it('uses only google_* resources and data sources the provider has, with valid arguments and blocks', () => {
    expect(countGoogleDeclarations(config)).toBeGreaterThanOrEqual(25);
    expect(checkProviderSchema(config, schema)).toEqual([]);
  });

  it('fits its modules together: arguments, required variables, references, descriptions', () => {
    expect(checkModuleInterfaces(config)).toEqual([]);
  });

  it('has a tfvars file and a state prefix of its own for each environment', () => {
    for (const environment of ['production', 'testing', 'development']) {
      expect(config.tfvars.get(environment)?.environment).toBe(environment);
      const backend = readFileSync(
        join(TERRAFORM_DIR, `envs/${environment}.gcs.tfbackend`),
        'utf8',
      );
      expect(backend).toMatch(new RegExp(`^prefix\\s*=\\s*"manifest/${environment}"$`, 'm'));
    }
  });
});
