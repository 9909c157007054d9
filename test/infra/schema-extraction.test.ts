import { extractSchema } from '../../scripts/terraform-schema';

/** A minimal .jsii assembly shaped like @cdktf/provider-google's: one resource, its config and blocks. */
const fqn = (name: string) => `@cdktf/provider-google.pubsubSubscription.${name}`;
const docs = (name: string) => ({
  summary: `Docs at Terraform Registry: {@link https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/pubsub_subscription#${name} PubsubSubscription#${name}}`,
});
const assembly = {
  types: {
    [fqn('PubsubSubscription')]: {
      fqn: fqn('PubsubSubscription'),
      kind: 'class',
      base: 'cdktf.TerraformResource',
      docs: {
        summary:
          'Represents a {@link https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/pubsub_subscription google_pubsub_subscription}.',
      },
      initializer: {
        parameters: [{ name: 'config', type: { fqn: fqn('PubsubSubscriptionConfig') } }],
      },
      properties: [
        { name: 'tfResourceType', static: true, immutable: true, type: { primitive: 'string' } },
        { name: 'effectiveLabels', immutable: true, type: { primitive: 'string' } },
        { name: 'nameInput', immutable: true, type: { primitive: 'string' } },
        { name: 'name', type: { primitive: 'string' } },
        {
          name: 'pushConfig',
          immutable: true,
          type: { fqn: fqn('PubsubSubscriptionPushConfigOutputReference') },
        },
      ],
    },
    [fqn('PubsubSubscriptionConfig')]: {
      fqn: fqn('PubsubSubscriptionConfig'),
      kind: 'interface',
      datatype: true,
      properties: [
        { name: 'name', type: { primitive: 'string' }, docs: docs('name') },
        {
          name: 'ackDeadlineSeconds',
          optional: true,
          type: { primitive: 'number' },
          docs: docs('ack_deadline_seconds'),
        },
        {
          name: 'labels',
          optional: true,
          type: { collection: { kind: 'map', elementtype: { primitive: 'string' } } },
          docs: docs('labels'),
        },
        {
          name: 'pushConfig',
          optional: true,
          type: { fqn: fqn('PubsubSubscriptionPushConfig') },
          docs: docs('push_config'),
        },
        {
          name: 'messageTransforms',
          optional: true,
          type: {
            union: {
              types: [
                { fqn: 'cdktf.IResolvable' },
                {
                  collection: {
                    kind: 'array',
                    elementtype: { fqn: fqn('PubsubSubscriptionMessageTransforms') },
                  },
                },
              ],
            },
          },
          docs: docs('message_transforms'),
        },
      ],
    },
    [fqn('PubsubSubscriptionPushConfig')]: {
      fqn: fqn('PubsubSubscriptionPushConfig'),
      kind: 'interface',
      datatype: true,
      properties: [
        { name: 'pushEndpoint', type: { primitive: 'string' }, docs: docs('push_endpoint') },
        {
          name: 'noWrapper',
          optional: true,
          type: { union: { types: [{ primitive: 'boolean' }, { fqn: 'cdktf.IResolvable' }] } },
          docs: docs('no_wrapper'),
        },
      ],
    },
    [fqn('PubsubSubscriptionPushConfigOutputReference')]: {
      fqn: fqn('PubsubSubscriptionPushConfigOutputReference'),
      kind: 'class',
      base: 'cdktf.ComplexObject',
      properties: [
        { name: 'pushEndpointInput', immutable: true, type: { primitive: 'string' } },
        { name: 'pushEndpoint', type: { primitive: 'string' } },
        { name: 'internalValue', immutable: true, type: { primitive: 'any' } },
        { name: 'servingUri', immutable: true, type: { primitive: 'string' } },
      ],
    },
    [fqn('PubsubSubscriptionMessageTransforms')]: {
      fqn: fqn('PubsubSubscriptionMessageTransforms'),
      kind: 'interface',
      datatype: true,
      properties: [
        {
          name: 'disabled',
          optional: true,
          type: { primitive: 'boolean' },
          docs: docs('disabled'),
        },
      ],
    },
    '@cdktf/provider-google.provider.GoogleProvider': {
      fqn: '@cdktf/provider-google.provider.GoogleProvider',
      kind: 'class',
      base: 'cdktf.TerraformProvider',
      docs: {
        summary:
          'Represents a {@link https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs google}.',
      },
      initializer: {
        parameters: [
          { name: 'config', type: { fqn: '@cdktf/provider-google.provider.GoogleProviderConfig' } },
        ],
      },
    },
    '@cdktf/provider-google.provider.GoogleProviderConfig': {
      fqn: '@cdktf/provider-google.provider.GoogleProviderConfig',
      kind: 'interface',
      datatype: true,
      properties: [{ name: 'project', optional: true, type: { primitive: 'string' } }],
    },
  },
};

describe('extracting the provider schema from the .jsii assembly', () => {
  const schema = extractSchema(assembly as never);

  it('names each resource by the Terraform type its registry link gives', () => {
    expect(Object.keys(schema.resources)).toEqual(['google_pubsub_subscription']);
    expect(schema.provider_config).toEqual({ attributes: { project: { type: 'string' } } });
  });

  it('turns config properties into snake_case arguments, required unless optional', () => {
    expect(schema.resources.google_pubsub_subscription!.attributes).toEqual({
      name: { type: 'string', required: true },
      ack_deadline_seconds: { type: 'number' },
      labels: { type: 'map(string)' },
    });
  });

  it('turns a struct into a single block and a list of structs into a list block, recursively', () => {
    const blocks = schema.resources.google_pubsub_subscription!.blocks!;
    expect(blocks.push_config).toEqual({
      nesting: 'single',
      max_items: 1,
      attributes: {
        push_endpoint: { type: 'string', required: true },
        no_wrapper: { type: 'bool' },
      },
      computed: ['serving_uri'],
    });
    expect(blocks.message_transforms).toEqual({
      nesting: 'list',
      attributes: { disabled: { type: 'bool' } },
    });
  });

  it('lists read-only getters without a config property as computed attributes', () => {
    expect(schema.resources.google_pubsub_subscription!.computed).toEqual(['effective_labels']);
  });
});
