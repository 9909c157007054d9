import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO, strings } from './terraform';

/**
 * Checks cloudbuild.yaml against Cloud Build's own definition of a build: the Build message
 * of google.devtools.cloudbuild.v1, as shipped in @google-cloud/cloudbuild's protos.json.
 * Field names (unknown, and output-only ones a config may not set), value shapes, enum values
 * (deprecated ones too) and durations; then what the message cannot say: step ids and
 * waitFor, secretEnv against availableSecrets, every substitution used is declared and every
 * declared one used, and the logging option a user-specified service account requires.
 */
export const CLOUDBUILD_FILE = join(REPO, 'cloudbuild.yaml');
/** The apply build: applies the plan cloudbuild.yaml saved. */
export const CLOUDBUILD_APPLY_FILE = join(REPO, 'cloudbuild-apply.yaml');

export type BuildConfig = Record<string, unknown>;

/** A build config file, parsed (the plan build's by default). */
export function loadCloudBuild(file = CLOUDBUILD_FILE): BuildConfig {
  return parse(readFileSync(file, 'utf8')) as BuildConfig;
}

/** protobufjs's JSON form of .proto files. */
interface ProtoNamespace {
  nested?: Record<string, ProtoNamespace>;
  fields?: Record<string, ProtoField>;
  values?: Record<string, number>;
  valuesOptions?: Record<string, { deprecated?: boolean }>;
}
interface ProtoField {
  type: string;
  rule?: 'repeated';
  keyType?: string;
  options?: Record<string, unknown>;
}

export function loadBuildProtos(): ProtoNamespace {
  return JSON.parse(
    readFileSync(require.resolve('@google-cloud/cloudbuild/build/protos/protos.json'), 'utf8'),
  ) as ProtoNamespace;
}

const PACKAGE = ['google', 'devtools', 'cloudbuild', 'v1'];

/** Substitutions Cloud Build provides itself (https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values). */
export const BUILT_IN_SUBSTITUTIONS = new Set([
  'PROJECT_ID',
  'PROJECT_NUMBER',
  'BUILD_ID',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'SHORT_SHA',
  'REVISION_ID',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
  '_HEAD_BRANCH',
  '_BASE_BRANCH',
  '_HEAD_REPO_URL',
  '_PR_NUMBER',
]);

/** Resolves a type name as protobuf does: from the innermost scope outwards. */
function resolve(
  root: ProtoNamespace,
  scope: string[],
  name: string,
): { node: ProtoNamespace; path: string[] } | undefined {
  for (let depth = scope.length; depth >= 0; depth--) {
    const path = [...scope.slice(0, depth), ...name.split('.')];
    let node: ProtoNamespace | undefined = root;
    for (const part of path) node = node?.nested?.[part];
    if (node) return { node, path };
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkValue(
  root: ProtoNamespace,
  scope: string[],
  field: ProtoField,
  value: unknown,
  path: string,
  problems: string[],
): void {
  switch (field.type) {
    case 'string':
    case 'bytes':
      if (typeof value !== 'string')
        problems.push(`${path}: must be a string, got ${JSON.stringify(value)}`);
      return;
    case 'bool':
      if (typeof value !== 'boolean')
        problems.push(`${path}: must be true or false, got ${JSON.stringify(value)}`);
      return;
    case 'int32':
    case 'int64':
      if (!Number.isInteger(value) && !(typeof value === 'string' && /^-?\d+$/.test(value)))
        problems.push(`${path}: must be an integer, got ${JSON.stringify(value)}`);
      return;
    case 'google.protobuf.Duration':
      if (typeof value !== 'string' || !/^\d+(\.\d+)?s$/.test(value))
        problems.push(
          `${path}: must be a duration in seconds such as "600s", got ${JSON.stringify(value)}`,
        );
      return;
    case 'google.protobuf.Timestamp':
      if (typeof value !== 'string') problems.push(`${path}: must be an RFC 3339 timestamp`);
      return;
  }
  const type = resolve(root, scope, field.type);
  if (!type) {
    problems.push(`${path}: unknown type ${field.type} in the protos`);
    return;
  }
  if (type.node.values) {
    const allowed = Object.keys(type.node.values);
    if (typeof value !== 'string' || !allowed.includes(value))
      problems.push(`${path}: ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
    else if (type.node.valuesOptions?.[value]?.deprecated)
      problems.push(`${path}: ${value} is deprecated`);
    return;
  }
  checkMessage(root, type.path, type.node, value, path, problems);
}

function checkMessage(
  root: ProtoNamespace,
  scope: string[],
  message: ProtoNamespace,
  value: unknown,
  path: string,
  problems: string[],
): void {
  if (!isObject(value)) {
    problems.push(`${path || 'the build'}: must be a mapping of ${scope.at(-1)} fields`);
    return;
  }
  const fields = message.fields ?? {};
  for (const [name, item] of Object.entries(value)) {
    const at = path ? `${path}.${name}` : name;
    const field = fields[name];
    if (!field) {
      const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      problems.push(
        `${at}: ${scope.at(-1)} has no field ${name}${fields[camel] ? ` (write ${camel})` : `; it has ${Object.keys(fields).join(', ')}`}`,
      );
      continue;
    }
    if (field.options?.['(google.api.field_behavior)'] === 'OUTPUT_ONLY') {
      problems.push(`${at}: set by Cloud Build (output only), not by a build config`);
      continue;
    }
    if (field.keyType) {
      if (!isObject(item)) problems.push(`${at}: must be a mapping`);
      else
        for (const [key, entry] of Object.entries(item))
          checkValue(root, scope, field, entry, `${at}.${key}`, problems);
    } else if (field.rule === 'repeated') {
      if (!Array.isArray(item)) problems.push(`${at}: must be a list`);
      else
        item.forEach((entry, i) => checkValue(root, scope, field, entry, `${at}[${i}]`, problems));
    } else {
      checkValue(root, scope, field, item, at, problems);
    }
  }
}

type Step = Record<string, unknown>;

function checkSteps(build: BuildConfig, problems: string[]): void {
  const steps = (Array.isArray(build.steps) ? build.steps : []) as Step[];
  if (steps.length === 0) problems.push('steps: a build needs at least one step');
  const seen = new Set<string>();
  steps.forEach((step, i) => {
    const label = `steps[${i}]${typeof step.id === 'string' ? ` (${step.id})` : ''}`;
    if (typeof step.name !== 'string') problems.push(`${label}: needs name (the image to run)`);
    if ('script' in step && ('args' in step || 'entrypoint' in step))
      problems.push(`${label}: script excludes args and entrypoint`);
    for (const id of (Array.isArray(step.waitFor) ? step.waitFor : []) as string[])
      if (id !== '-' && !seen.has(id))
        problems.push(`${label}: waitFor ${JSON.stringify(id)} is not the id of an earlier step`);
    if (typeof step.id === 'string') {
      if (seen.has(step.id)) problems.push(`${label}: id ${step.id} is used twice`);
      seen.add(step.id);
    }
  });

  const secrets = (build.availableSecrets ?? {}) as { secretManager?: { env?: string }[] };
  const available = new Set((secrets.secretManager ?? []).map((s) => s.env));
  const used = new Set<string>();
  steps.forEach((step, i) => {
    for (const env of (Array.isArray(step.secretEnv) ? step.secretEnv : []) as string[]) {
      used.add(env);
      if (!available.has(env))
        problems.push(`steps[${i}].secretEnv: ${env} is not declared in availableSecrets`);
    }
  });
  for (const env of available)
    if (env && !used.has(env))
      problems.push(`availableSecrets: ${env} is declared but no step uses it`);
}

/** Substitution names used in a string: `$NAME` and `${NAME}`, `$$` being an escaped dollar. */
function substitutionsIn(text: string): string[] {
  return [
    ...text
      .replace(/\$\$/g, '')
      .matchAll(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g),
  ].map((m) => (m[1] ?? m[2])!);
}

function checkSubstitutions(build: BuildConfig, problems: string[]): void {
  const declared = new Set(Object.keys(isObject(build.substitutions) ? build.substitutions : {}));
  for (const name of declared)
    if (!/^_[A-Z0-9_]+$/.test(name))
      problems.push(
        `substitutions: ${name} must be named _UPPER_CASE (user substitutions start with _)`,
      );
  const options = (isObject(build.options) ? build.options : {}) as Record<string, unknown>;
  const used = new Set<string>();
  const { substitutions: _declarations, ...rest } = build;
  for (const [rawPath, text] of strings(rest)) {
    const step = /^steps\[(\d+)\]/.exec(rawPath);
    const stepValue = step ? ((build.steps as Step[])[Number(step[1])] ?? {}) : {};
    const path =
      step && typeof stepValue.id === 'string'
        ? rawPath.replace(step[0], `${step[0]} (${stepValue.id})`)
        : rawPath;
    if (rawPath.endsWith('.script')) {
      // Scripts are not substituted: automapSubstitutions gives them substitutions as variables.
      // Substitution checking (MUST_MATCH) does not look into scripts, so a user substitution
      // read only there counts as unused and the build is refused: map it through env instead.
      const automap = stepValue.automapSubstitutions ?? options.automapSubstitutions;
      for (const name of substitutionsIn(text)) {
        if (/^_[A-Z0-9_]+$/.test(name) && !BUILT_IN_SUBSTITUTIONS.has(name))
          problems.push(
            `${path}: reads $${name}, which substitution checking does not count in a script: map it through env (${name.slice(1)}=\${${name}}) and read $${name.slice(1)}`,
          );
        else if (BUILT_IN_SUBSTITUTIONS.has(name) && automap !== true)
          problems.push(
            `${path}: uses $${name}, but scripts see substitutions only with automapSubstitutions: true`,
          );
      }
      continue;
    }
    for (const name of substitutionsIn(text)) {
      used.add(name);
      if (!declared.has(name) && !BUILT_IN_SUBSTITUTIONS.has(name))
        problems.push(
          name.startsWith('_')
            ? `${path}: uses $${name}, which substitutions does not declare`
            : `${path}: $${name} is not a built-in substitution (write $$${name} for a shell variable)`,
        );
    }
  }
  for (const name of declared)
    if (!used.has(name)) problems.push(`substitutions: ${name} is declared but never used`);
}

/**
 * Every problem of a build config. `triggerSubstitutions`: what the Cloud Build triggers pass;
 * each must be declared (MUST_MATCH refuses others), and a declaration with an empty default
 * must be passed by them.
 */
export function checkCloudBuild(
  build: BuildConfig,
  protos: ProtoNamespace,
  triggerSubstitutions: string[] = [],
): string[] {
  const problems: string[] = [];
  const message = resolve(protos, PACKAGE, 'Build');
  if (!message) throw new Error('protos.json has no google.devtools.cloudbuild.v1.Build');
  checkMessage(protos, message.path, message.node, build, '', problems);
  checkSteps(build, problems);
  checkSubstitutions(build, problems);

  const options = (isObject(build.options) ? build.options : {}) as Record<string, unknown>;
  // Builds run as a user-specified service account (the deployer): Cloud Build then needs
  // logs in Cloud Logging, or in a bucket the build names.
  if (
    !['CLOUD_LOGGING_ONLY', 'NONE'].includes(String(options.logging)) &&
    !(options.logging === 'GCS_ONLY' && build.logsBucket)
  )
    problems.push(
      'options.logging: a build with a user-specified service account needs CLOUD_LOGGING_ONLY (or GCS_ONLY with logsBucket)',
    );

  const declared = (isObject(build.substitutions) ? build.substitutions : {}) as Record<
    string,
    unknown
  >;
  for (const name of triggerSubstitutions)
    if (!(name in declared))
      problems.push(
        `substitutions: the triggers pass ${name}, which cloudbuild.yaml does not declare`,
      );
  for (const [name, value] of Object.entries(declared))
    if (value === '' && !triggerSubstitutions.includes(name))
      problems.push(`substitutions: ${name} has no default and the triggers do not pass it`);
  return problems;
}
