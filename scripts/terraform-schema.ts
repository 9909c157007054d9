// `npm run terraform:schema`: writes terraform/schema/google-6.50.json, the arguments and blocks
// of every resource and data source of the hashicorp/google provider 6.50, for the offline
// checks in test/infra. The provider schema ships inside @cdktf/provider-google's .jsii file
// (its generated TypeScript types); that package is 300 MB unpacked, so it is fetched on demand
// with `npm pack` into a temporary directory instead of being a dependency.
//
//   npm run terraform:schema                    # fetch the package, extract, write
//   npm run terraform:schema -- --jsii FILE     # extract from a .jsii file already on disk
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = '@cdktf/provider-google@16.12.1';
const PROVIDER_VERSION = '6.50.0';
const OUTPUT = resolve(__dirname, '../terraform/schema/google-6.50.json');

/** The parts of the jsii assembly format (https://aws.github.io/jsii/specification/2-type-system/) read here. */
interface JsiiTypeRef {
  primitive?: 'string' | 'number' | 'boolean' | 'any' | 'date' | 'json';
  fqn?: string;
  collection?: { kind: 'array' | 'map'; elementtype: JsiiTypeRef };
  union?: { types: JsiiTypeRef[] };
}
interface JsiiProperty {
  name: string;
  type: JsiiTypeRef;
  optional?: boolean;
  static?: boolean;
  immutable?: boolean;
  docs?: { summary?: string; remarks?: string };
}
interface JsiiType {
  fqn: string;
  kind: 'class' | 'interface' | 'enum';
  base?: string;
  datatype?: boolean;
  docs?: { summary?: string };
  properties?: JsiiProperty[];
  initializer?: { parameters?: { name: string; type: JsiiTypeRef }[] };
}

/** One block of the schema: a resource's body, or a nested block. */
export interface SchemaBlock {
  /** Arguments set with `name = value`; `required` only when true. */
  attributes?: Record<string, { type: string; required?: true }>;
  /** Nested blocks written `name { ... }`; `single` blocks allow at most one. */
  blocks?: Record<string, SchemaNestedBlock>;
  /** Attributes the provider computes (readable in references, never set). */
  computed?: string[];
}
export interface SchemaNestedBlock extends SchemaBlock {
  nesting: 'single' | 'list';
  min_items?: number;
  max_items?: number;
}
export interface ProviderSchema {
  $comment: string;
  provider: string;
  version: string;
  source: string;
  provider_config: SchemaBlock;
  resources: Record<string, SchemaBlock>;
  data_sources: Record<string, SchemaBlock>;
}

const RESOLVABLE = 'cdktf.IResolvable';

/** camelCase (jsii) to snake_case (Terraform), for names whose docs carry no registry anchor. */
function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/**
 * The Terraform name of a config property. Its docs link to the registry with the exact name
 * as the anchor (`...#build_config Cloudfunctions2Function#build_config}`), which also covers
 * names jsii had to rename; the camelCase conversion is the fallback.
 */
function terraformName(property: JsiiProperty): string {
  const docs = `${property.docs?.summary ?? ''} ${property.docs?.remarks ?? ''}`;
  return /#([a-z0-9_]+) \w+#[a-z0-9_]+\}/.exec(docs)?.[1] ?? snakeCase(property.name);
}

class Extractor {
  constructor(private readonly types: Record<string, JsiiType>) {}

  private struct(fqn: string | undefined): JsiiType | undefined {
    const type = fqn ? this.types[fqn] : undefined;
    return type?.kind === 'interface' && type.datatype ? type : undefined;
  }

  /** A nested block's struct and nesting, or undefined for a plain attribute. */
  private blockOf(ref: JsiiTypeRef): { struct: JsiiType; nesting: 'single' | 'list' } | undefined {
    const single = this.struct(ref.fqn);
    if (single) return { struct: single, nesting: 'single' };
    const options = ref.union ? ref.union.types : [ref];
    for (const option of options) {
      const element =
        option.collection?.kind === 'array' ? option.collection.elementtype : undefined;
      const struct = this.struct(element?.fqn);
      if (struct) return { struct, nesting: 'list' };
    }
    return undefined;
  }

  /** An attribute's type in Terraform's notation (list covers sets: jsii does not tell them apart). */
  private typeName(ref: JsiiTypeRef): string {
    if (ref.primitive) return ref.primitive === 'boolean' ? 'bool' : ref.primitive;
    if (ref.collection)
      return `${ref.collection.kind === 'map' ? 'map' : 'list'}(${this.typeName(ref.collection.elementtype)})`;
    if (ref.union) {
      const concrete = ref.union.types.filter((t) => t.fqn !== RESOLVABLE);
      return concrete.length === 1 ? this.typeName(concrete[0]!) : 'any';
    }
    return 'any';
  }

  /** A block from a config struct (and, for computed attributes, the class that reads it back). */
  block(struct: JsiiType, reader: JsiiType | undefined): SchemaBlock {
    const result: SchemaBlock = {};
    const configNames = new Set<string>();
    for (const property of struct.properties ?? []) {
      configNames.add(property.name);
      const name = terraformName(property);
      const nested = this.blockOf(property.type);
      if (nested) {
        const inner = this.block(
          nested.struct,
          this.types[`${nested.struct.fqn}OutputReference`],
        ) as SchemaNestedBlock;
        const block: SchemaNestedBlock = { nesting: nested.nesting };
        if (!property.optional) block.min_items = 1;
        if (nested.nesting === 'single') block.max_items = 1;
        (result.blocks ??= {})[name] = Object.assign(block, inner);
      } else {
        const attribute: { type: string; required?: true } = {
          type: this.typeName(property.type),
        };
        if (!property.optional) attribute.required = true;
        (result.attributes ??= {})[name] = attribute;
      }
    }
    // Read-only getters with no config counterpart are the attributes the provider computes.
    const computed = (reader?.properties ?? [])
      .filter(
        (p) =>
          !p.static &&
          p.immutable &&
          !p.name.endsWith('Input') &&
          p.name !== 'internalValue' &&
          !configNames.has(p.name),
      )
      .map((p) => snakeCase(p.name))
      .sort();
    if (computed.length > 0) result.computed = computed;
    return result;
  }

  /** The block of a resource, data source or provider class, from its config parameter. */
  classBlock(cls: JsiiType): SchemaBlock {
    const config = cls.initializer?.parameters?.find((p) => p.name === 'config');
    const struct = this.struct(config?.type.fqn);
    if (!struct) throw new Error(`${cls.fqn} has no config struct`);
    return this.block(struct, cls);
  }
}

/** Extracts the provider schema from a parsed .jsii assembly. */
export function extractSchema(assembly: { types: Record<string, JsiiType> }): ProviderSchema {
  const extractor = new Extractor(assembly.types);
  const resources: Record<string, SchemaBlock> = {};
  const dataSources: Record<string, SchemaBlock> = {};
  let providerConfig: SchemaBlock | undefined;
  const sorted = Object.values(assembly.types).sort((a, b) => a.fqn.localeCompare(b.fqn));
  for (const cls of sorted) {
    if (cls.kind !== 'class') continue;
    // "Represents a {@link https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/x google_x}."
    const link = /\{@link \S+\/hashicorp\/google\/([\d.]+)\/docs\S* (\S+)\}/.exec(
      cls.docs?.summary ?? '',
    );
    if (cls.base === 'cdktf.TerraformProvider') providerConfig = extractor.classBlock(cls);
    if (cls.base !== 'cdktf.TerraformResource' && cls.base !== 'cdktf.TerraformDataSource')
      continue;
    if (!link) throw new Error(`${cls.fqn}: no registry link names its Terraform type`);
    if (link[1] !== PROVIDER_VERSION)
      throw new Error(`${cls.fqn} documents provider ${link[1]}, expected ${PROVIDER_VERSION}`);
    const target = cls.base === 'cdktf.TerraformResource' ? resources : dataSources;
    target[link[2]!] = extractor.classBlock(cls);
  }
  if (!providerConfig) throw new Error('the assembly has no provider class');
  return {
    $comment: `Generated by scripts/terraform-schema.ts from ${PACKAGE} (npm run terraform:schema); do not edit.`,
    provider: 'registry.terraform.io/hashicorp/google',
    version: PROVIDER_VERSION,
    source: PACKAGE,
    provider_config: providerConfig,
    resources: sortKeys(resources),
    data_sources: sortKeys(dataSources),
  };
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

/** Facts about the provider that any correct extraction must reproduce. */
function verify(schema: ProviderSchema): void {
  const fn = schema.resources.google_cloudfunctions2_function;
  const subscription = schema.resources.google_pubsub_subscription;
  const facts: [string, boolean][] = [
    ['google_cloudfunctions2_function requires name', fn?.attributes?.name?.required === true],
    [
      'build_config is a single block with runtime, entry_point and source',
      fn?.blocks?.build_config?.max_items === 1 &&
        !!fn.blocks.build_config.attributes?.runtime &&
        !!fn.blocks.build_config.attributes.entry_point &&
        !!fn.blocks.build_config.blocks?.source,
    ],
    ['the function computes url', fn?.computed?.includes('url') === true],
    [
      'push_config has oidc_token; the subscription has filter, dead_letter_policy, retry_policy',
      !!subscription?.blocks?.push_config?.blocks?.oidc_token &&
        !!subscription.attributes?.filter &&
        !!subscription.blocks.dead_letter_policy &&
        !!subscription.blocks.retry_policy,
    ],
    ['the provider takes project', !!schema.provider_config.attributes?.project],
    ['google_project is a data source', !!schema.data_sources.google_project],
  ];
  const failed = facts.filter(([, ok]) => !ok).map(([fact]) => fact);
  if (failed.length > 0) throw new Error(`the extracted schema is wrong: ${failed.join('; ')}`);
}

/** Downloads the package tarball and reads its .jsii file. */
function fetchAssembly(): string {
  const dir = mkdtempSync(join(tmpdir(), 'provider-google-'));
  try {
    const tarball = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], {
      encoding: 'utf8',
    })
      .trim()
      .split('\n')
      .pop()!;
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir, 'package/.jsii']);
    return readFileSync(join(dir, 'package/.jsii'), 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One resource per line: small diffs when the provider is upgraded, and a file a person can grep. */
function serialize(schema: ProviderSchema): string {
  const lines = (record: Record<string, SchemaBlock>) =>
    Object.entries(record)
      .map(([name, block]) => `    ${JSON.stringify(name)}: ${JSON.stringify(block)}`)
      .join(',\n');
  return [
    '{',
    `  "$comment": ${JSON.stringify(schema.$comment)},`,
    `  "provider": ${JSON.stringify(schema.provider)},`,
    `  "version": ${JSON.stringify(schema.version)},`,
    `  "source": ${JSON.stringify(schema.source)},`,
    `  "provider_config": ${JSON.stringify(schema.provider_config)},`,
    `  "resources": {\n${lines(schema.resources)}\n  },`,
    `  "data_sources": {\n${lines(schema.data_sources)}\n  }`,
    '}',
    '',
  ].join('\n');
}

function main(): void {
  const jsiiFlag = process.argv.indexOf('--jsii');
  const text = jsiiFlag >= 0 ? readFileSync(process.argv[jsiiFlag + 1]!, 'utf8') : fetchAssembly();
  const schema = extractSchema(JSON.parse(text) as { types: Record<string, JsiiType> });
  verify(schema);
  const output = serialize(schema);
  writeFileSync(OUTPUT, output);
  process.stdout.write(
    `${OUTPUT}: ${Object.keys(schema.resources).length} resources, ${Object.keys(schema.data_sources).length} data sources, ${(output.length / 1024 / 1024).toFixed(2)} MB\n`,
  );
}

if (require.main === module) main();
