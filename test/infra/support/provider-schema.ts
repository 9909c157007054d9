import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  ProviderSchema,
  SchemaBlock,
  SchemaNestedBlock,
} from '../../../scripts/terraform-schema';
import {
  blocks,
  isExpression,
  isMigrationSource,
  strings,
  TERRAFORM_DIR,
  type Body,
  type Declaration,
  type TerraformConfig,
} from './terraform';

/**
 * Checks every google_* resource and data source against the hashicorp/google 6.50 schema
 * (terraform/schema/google-6.50.json, from scripts/terraform-schema.ts): unknown resource
 * types, unknown or missing required arguments and blocks (nested ones too, and the content
 * of dynamic blocks), too many instances of a single block, literals of the wrong type, and
 * references to attributes the resource does not have. Each problem names the file, the
 * resource and the argument's path.
 */
export function loadProviderSchema(): ProviderSchema {
  return JSON.parse(
    readFileSync(join(TERRAFORM_DIR, 'schema/google-6.50.json'), 'utf8'),
  ) as ProviderSchema;
}

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle']);
const RESOURCE_ONLY_META = new Set(['provisioner', 'connection']);

/** The closest known name, when one is near enough to be a typo of it. */
function suggestion(name: string, known: string[]): string {
  const distance = (a: string, b: string): number => {
    const row = Array.from({ length: b.length + 1 }, (_, i) => i);
    for (let i = 1; i <= a.length; i++) {
      let previous = row[0]!;
      row[0] = i;
      for (let j = 1; j <= b.length; j++) {
        const current = row[j]!;
        row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
        previous = current;
      }
    }
    return row[b.length]!;
  };
  const best = known.map((k) => ({ k, d: distance(name, k) })).sort((x, y) => x.d - y.d)[0];
  if (best && best.d <= Math.max(2, Math.floor(name.length / 3)))
    return ` (did you mean ${best.k}?)`;
  // A name cut short or lengthened (min_instances for min_instance_count) shares most of its start.
  const common = (k: string) => {
    let i = 0;
    while (i < k.length && i < name.length && k[i] === name[i]) i++;
    return i;
  };
  const prefixed = known.map((k) => ({ k, c: common(k) })).sort((x, y) => y.c - x.c)[0];
  return prefixed && prefixed.c >= Math.max(4, Math.ceil(name.length * 0.7))
    ? ` (did you mean ${prefixed.k}?)`
    : '';
}

/** Whether a literal fits an attribute type; expressions are not evaluated and always fit. */
function literalFits(type: string, value: unknown): boolean {
  if (isExpression(value) || value === null) return true;
  if (type === 'string') return ['string', 'number', 'boolean'].includes(typeof value);
  if (type === 'number')
    return typeof value === 'number' || (typeof value === 'string' && !isNaN(Number(value)));
  if (type === 'bool') return typeof value === 'boolean' || value === 'true' || value === 'false';
  if (type.startsWith('list(')) return Array.isArray(value);
  if (type.startsWith('map(')) return typeof value === 'object' && !Array.isArray(value);
  return true;
}

function checkBlock(
  body: Body,
  schema: SchemaBlock,
  where: string,
  path: string,
  meta: Set<string>,
  problems: string[],
): void {
  const attributes = schema.attributes ?? {};
  const nested = schema.blocks ?? {};
  const dynamic = (body.dynamic ?? {}) as Record<string, Body[]>;
  const at = (name: string) => `${where}: ${path}${name}`;
  for (const [name, value] of Object.entries(body)) {
    if (meta.has(name) || name === 'dynamic') continue;
    const attribute = attributes[name];
    const block = nested[name];
    if (attribute) {
      if (!literalFits(attribute.type, value))
        problems.push(`${at(name)}: ${JSON.stringify(value)} is not a ${attribute.type}`);
    } else if (block) {
      checkNested(value, block, where, `${path}${name}`, problems);
    } else if (schema.computed?.includes(name)) {
      problems.push(`${at(name)}: computed by the provider, it cannot be set`);
    } else {
      const known = [...Object.keys(attributes), ...Object.keys(nested)];
      problems.push(`${at(name)}: unknown argument${suggestion(name, known)}`);
    }
  }
  for (const [name, generators] of Object.entries(dynamic)) {
    const block = nested[name];
    if (!block) {
      const known = Object.keys(nested);
      problems.push(
        `${at(name)}: dynamic block of an unknown block type${suggestion(name, known)}`,
      );
      continue;
    }
    for (const generator of generators)
      for (const content of blocks(generator, 'content'))
        checkBlock(content, block, where, `${path}${name}.`, new Set(), problems);
  }
  for (const [name, attribute] of Object.entries(attributes))
    if (attribute.required && !(name in body))
      problems.push(`${at(name)}: missing required argument`);
  for (const [name, block] of Object.entries(nested))
    if ((block.min_items ?? 0) > 0 && !(name in body) && !(name in dynamic))
      problems.push(`${at(name)}: missing required block`);
}

function checkNested(
  value: unknown,
  schema: SchemaNestedBlock,
  where: string,
  path: string,
  problems: string[],
): void {
  if (!Array.isArray(value)) {
    problems.push(`${where}: ${path}: is a block; write ${path.split('.').pop()} { ... }`);
    return;
  }
  if (schema.max_items !== undefined && value.length > schema.max_items)
    problems.push(`${where}: ${path}: at most ${schema.max_items} block(s), found ${value.length}`);
  for (const [i, instance] of (value as Body[]).entries())
    checkBlock(
      instance,
      schema,
      where,
      value.length > 1 ? `${path}[${i}].` : `${path}.`,
      new Set(),
      problems,
    );
}

/** Problems of one resource or data source. */
function checkDeclaration(
  declaration: Declaration,
  schema: ProviderSchema,
  kind: 'resource' | 'data',
  problems: string[],
): void {
  const types = kind === 'resource' ? schema.resources : schema.data_sources;
  const where = `${declaration.file}: ${declaration.address}`;
  const block = types[declaration.type];
  if (!block) {
    problems.push(
      `${where}: hashicorp/google ${schema.version} has no ${kind === 'resource' ? 'resource' : 'data source'} ${declaration.type}${suggestion(declaration.type, Object.keys(types))}`,
    );
    return;
  }
  const meta = new Set([...META_ARGUMENTS, ...(kind === 'resource' ? RESOURCE_ONLY_META : [])]);
  checkBlock(declaration.body, block, where, '', meta, problems);
}

// google_x.name[...].attr[...].nested... (and data.google_x...), inside an expression.
const REFERENCE =
  /(?<![\w.])(data\.)?(google_[a-z0-9_]+)\.([a-zA-Z_][\w-]*)((?:\[[^\]]*\])?(?:\.[a-z_][a-z0-9_]*(?:\[[^\]]*\])?)*)/g;

/** Problems of references to google_* resources' attributes: unknown resources and attributes. */
function checkReferences(
  config: TerraformConfig,
  schema: ProviderSchema,
  problems: string[],
): void {
  for (const module of config.modules.values()) {
    const declared = new Set([
      ...module.resources.map((r) => `${r.type}.${r.name}`),
      ...module.dataSources.map((d) => `data.${d.type}.${d.name}`),
    ]);
    for (const [file, body] of module.files) {
      for (const [path, text] of strings(body)) {
        if (!text.includes('${') || isMigrationSource(path)) continue;
        for (const match of text.matchAll(REFERENCE)) {
          const [reference, data, type, name, rest] = match;
          const address = `${data ?? ''}${type}.${name}`;
          if (!declared.has(address)) {
            problems.push(
              `${file}: ${path}: ${reference} refers to ${address}, which terraform/${module.dir} does not declare`,
            );
            continue;
          }
          let block: SchemaBlock | undefined = (data ? schema.data_sources : schema.resources)[
            type!
          ];
          for (const segment of rest!
            .replace(/\[[^\]]*\]/g, '')
            .split('.')
            .slice(1)) {
            if (!block) break;
            if (
              segment === 'id' &&
              block === (data ? schema.data_sources : schema.resources)[type!]
            )
              break;
            const known = [
              ...Object.keys(block.attributes ?? {}),
              ...Object.keys(block.blocks ?? {}),
              ...(block.computed ?? []),
            ];
            if (!known.includes(segment)) {
              problems.push(
                `${file}: ${path}: ${reference}: ${type} has no attribute ${segment}${suggestion(segment, known)}`,
              );
              break;
            }
            block = block.blocks?.[segment];
          }
        }
      }
    }
  }
}

/** Every problem of the configuration's google_* resources and data sources. */
export function checkProviderSchema(config: TerraformConfig, schema: ProviderSchema): string[] {
  const problems: string[] = [];
  for (const module of config.modules.values()) {
    for (const r of module.resources.filter((r) => r.type.startsWith('google_')))
      checkDeclaration(r, schema, 'resource', problems);
    for (const d of module.dataSources.filter((d) => d.type.startsWith('google_')))
      checkDeclaration(d, schema, 'data', problems);
  }
  for (const module of config.modules.values())
    for (const [file, body] of module.files)
      for (const provider of blocks((body.provider ?? {}) as Body, 'google'))
        checkBlock(
          provider,
          schema.provider_config,
          `${file}: provider.google`,
          '',
          new Set(['alias']),
          problems,
        );
  checkReferences(config, schema, problems);
  return problems;
}

/** How many google_* resources and data sources the configuration declares. */
export function countGoogleDeclarations(config: TerraformConfig): number {
  let count = 0;
  for (const module of config.modules.values())
    count += [...module.resources, ...module.dataSources].filter((d) =>
      d.type.startsWith('google_'),
    ).length;
  return count;
}
