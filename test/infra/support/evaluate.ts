import { join, normalize } from 'node:path';
import { closing, depthZero, endOfString, splitTopLevel, templateParts } from './hcl-syntax';
import type { Declaration, TerraformConfig, TerraformModule } from './terraform';

/**
 * Terraform expressions evaluated offline, as far as the configuration alone decides them:
 * literals, templates, references (var, local, each, module outputs, resource arguments, the
 * variables a module call passes), the conditional, == and !=, && and ||, for-expressions and
 * !, try() (its first argument, when known) and a few functions (concat, join, keys, values, formatlist,
 * merge, tostring, jsonencode, one).
 * What depends on an environment's tfvars, a provider or an unsupported construct is an Unknown
 * that keeps its expression, so a check can say what it could not know instead of guessing.
 */
export class Unknown {
  constructor(
    /** The expression, as written. */
    readonly expression: string,
    /** For a template with unknown parts: its text, each unknown part as <expression>. */
    readonly text = `<${expression}>`,
  ) {}

  /** In jsonencode()'s output, an Unknown is its text. */
  toJSON(): string {
    return this.text;
  }
}

/** Where an expression is evaluated: its module, and how that module was called. */
export interface Scope {
  config?: TerraformConfig;
  module: TerraformModule;
  /** The call of a child module and the scope of its arguments; none for the root module. */
  caller?: { call: Declaration; scope: Scope };
  each?: { key: string; value: unknown };
  /** Names a for-expression binds. */
  symbols?: Record<string, unknown>;
}

/** A value as text: a string as is, an Unknown as its text, anything else as JSON. */
export function render(value: unknown): string {
  if (value instanceof Unknown) return value.text;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The first Unknown inside a value, if any. */
export function firstUnknown(value: unknown): Unknown | undefined {
  if (value instanceof Unknown) return value;
  if (value && typeof value === 'object')
    for (const item of Object.values(value)) {
      const found = firstUnknown(item);
      if (found) return found;
    }
  return undefined;
}

/** Evaluates a value of hcl2json's model (literals, with expressions as "${...}" strings). */
export function evaluate(value: unknown, scope: Scope): unknown {
  if (typeof value === 'string') return value.includes('${') ? template(value, scope) : value;
  if (Array.isArray(value)) return value.map((item) => evaluate(item, scope));
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        render(evaluate(key, scope)),
        evaluate(item, scope),
      ]),
    );
  return value;
}

/** A template's value; `quoted`: written inside an expression, so its literal text has escapes. */
function template(text: string, scope: Scope, quoted = false): unknown {
  const parts = templateParts(text).map((p) =>
    quoted && typeof p === 'string' ? (JSON.parse(`"${p}"`) as string) : p,
  );
  if (parts.length === 1 && typeof parts[0] !== 'string')
    return expression(parts[0]!.expression, scope);
  const values = parts.map((p) => (typeof p === 'string' ? p : expression(p.expression, scope)));
  const rendered = values.map((v) =>
    typeof v === 'string' ? v : v instanceof Unknown ? v.text : String(v),
  );
  return values.some((v) => v instanceof Unknown || (v !== null && typeof v === 'object'))
    ? new Unknown(text, rendered.join(''))
    : rendered.join('');
}

const FUNCTIONS: Record<string, (...args: unknown[]) => unknown> = {
  concat: (...lists) => (lists as unknown[][]).flat(),
  join: (separator, list) => (list as unknown[]).map(render).join(String(separator)),
  keys: (map) => Object.keys(map as object),
  values: (map) => Object.values(map as object),
  formatlist: (format, list) =>
    (list as unknown[]).map((v) => {
      const text = String(format).replace('%s', render(v));
      return v instanceof Unknown ? new Unknown(v.expression, text) : text;
    }),
  merge: (...maps) => Object.assign({}, ...(maps as object[])),
  tostring: (v) => render(v),
  jsonencode: (v) => JSON.stringify(v),
  one: (list) => (list as unknown[])[0] ?? null,
};

function expression(text: string, scope: Scope): unknown {
  const unknown = new Unknown(text);
  const ternary = splitTopLevel(text, ' ? ');
  if (ternary.length > 2) return unknown;
  if (ternary.length === 2) {
    const [whenTrue, whenFalse, ...rest] = splitTopLevel(ternary[1]!, ' : ');
    const condition = expression(ternary[0]!, scope);
    if (rest.length > 0 || whenFalse === undefined || condition instanceof Unknown) return unknown;
    return expression(condition ? whenTrue! : whenFalse, scope);
  }
  for (const [token, apply] of [
    [' || ', (a: unknown, b: unknown) => a || b],
    [' && ', (a: unknown, b: unknown) => a && b],
    [' == ', (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)],
    [' != ', (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b)],
  ] as const) {
    const operands = splitTopLevel(text, token);
    if (operands.length === 2) {
      const [a, b] = operands.map((o) => expression(o, scope));
      return a instanceof Unknown || b instanceof Unknown ? unknown : apply(a, b);
    }
  }
  if (/ ([-+*/%<>]|<=|>=) /.test(depthZero(text))) return unknown;
  if (text.startsWith('!')) {
    const operand = expression(text.slice(1).trim(), scope);
    return typeof operand === 'boolean' ? !operand : unknown;
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  if (text.startsWith('"') && endOfString(text, 0) === text.length - 1)
    return template(text.slice(1, -1), scope, true);
  if (text.startsWith('(') && closing(text, 0) === text.length - 1)
    return expression(text.slice(1, -1).trim(), scope);
  if (/^[[{]\s*for\s/.test(text) && closing(text, 0) === text.length - 1)
    return forExpression(text, scope) ?? unknown;
  if (text.startsWith('[') && closing(text, 0) === text.length - 1) {
    const inner = text.slice(1, -1).trim();
    return inner === ''
      ? []
      : splitTopLevel(inner, ',')
          .filter(Boolean)
          .map((item) => expression(item, scope));
  }
  const call = /^([a-z][a-z0-9_]*)\(/.exec(text);
  if (call?.[1] === 'try' && closing(text, 3) === text.length - 1) {
    // Its first argument, when that is known: then Terraform's try() returns it too. An
    // Unknown may be an unknown input or what Terraform would fail on (an attribute of null),
    // which offline look alike, so the fallback is never taken.
    const [first] = splitTopLevel(text.slice(4, -1), ',');
    const value = expression(first!.trim(), scope);
    return firstUnknown(value) ? unknown : value;
  }
  if (call && closing(text, call[1]!.length) === text.length - 1) {
    const fn = FUNCTIONS[call[1]!];
    const args = splitTopLevel(text.slice(call[0].length, -1), ',')
      .filter(Boolean)
      .map((a) => expression(a, scope));
    if (!fn || args.some((a) => a instanceof Unknown)) return unknown;
    // Unknowns inside a list (join's items): the text is still known around them.
    const result = fn(...args);
    if (!args.some((a) => firstUnknown(a))) return result;
    return typeof result === 'string' ? new Unknown(text, result) : result;
  }
  // A reference may be null (an argument passed as null); undefined: not a reference.
  const referenced = reference(text, scope);
  return referenced === undefined ? unknown : referenced;
}

/** `{ for k, v in X : K => V if C }` and `[for v in X : V if C]`; undefined when not one. */
function forExpression(text: string, scope: Scope): unknown {
  const head = /^[[{]\s*for\s+([\w]+)(?:\s*,\s*([\w]+))?\s+in\s+/.exec(text);
  if (!head) return undefined;
  const body = text.slice(head[0].length, -1);
  const [collectionText, rest] = splitTopLevel(body, ' : ');
  if (rest === undefined) return undefined;
  const [result, condition] = splitTopLevel(rest, ' if ');
  const collection = expression(collectionText!, scope);
  if (!collection || typeof collection !== 'object' || collection instanceof Unknown)
    return undefined;
  const [keyName, valueName] = head[2] ? [head[1]!, head[2]] : [undefined, head[1]!];
  const entries = Object.entries(collection).map(([key, value]) => ({
    ...scope,
    symbols: { ...scope.symbols, ...(keyName ? { [keyName]: key } : {}), [valueName]: value },
  }));
  const tests = entries.map((s) => (condition === undefined ? true : expression(condition, s)));
  if (tests.some((t) => t instanceof Unknown)) return undefined;
  const kept = entries.filter((_, i) => tests[i] === true);
  if (text.startsWith('[')) return kept.map((s) => expression(result!, s));
  const [key, value] = splitTopLevel(result!, ' => ');
  if (value === undefined) return undefined;
  return Object.fromEntries(kept.map((s) => [render(expression(key!, s)), expression(value, s)]));
}

/** One step of a traversal: `.name` (an attribute) or `[x]` (an index or key; `[*]` a splat). */
type Step = { attribute: string } | { index: string | Unknown } | { splat: true };

function steps(text: string, from: number, scope: Scope): Step[] | undefined {
  const found: Step[] = [];
  for (let i = from; i < text.length;) {
    const attribute = /^\.([a-zA-Z_][\w-]*|\d+)/.exec(text.slice(i));
    if (attribute) {
      found.push({ attribute: attribute[1]! });
      i += attribute[0].length;
    } else if (text[i] === '[') {
      const end = closing(text, i);
      const index = text.slice(i + 1, end).trim();
      if (index === '*') found.push({ splat: true });
      else {
        const value = expression(index, scope);
        found.push({ index: value instanceof Unknown ? value : render(value) });
      }
      i = end + 1;
    } else return undefined;
  }
  return found;
}

/** Follows steps into a value; an unknown value, step or missing key gives an Unknown. */
function follow(value: unknown, path: Step[], text: string): unknown {
  for (const step of path) {
    const key = 'attribute' in step ? step.attribute : 'index' in step ? step.index : undefined;
    if (typeof key !== 'string' || !value || typeof value !== 'object' || !(key in value))
      return new Unknown(text);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Follows steps into a value as written, evaluating only the part the steps reach: a module's
 * output or a resource's block may hold far more than one reference needs.
 */
function lazy(raw: unknown, path: Step[], scope: Scope, text: string): unknown {
  let i = 0;
  for (; i < path.length; i++) {
    const key = name(path[i]);
    if (typeof key !== 'string' || !raw || typeof raw !== 'object' || !(key in raw)) break;
    raw = (raw as Record<string, unknown>)[key];
  }
  return follow(evaluate(raw, scope), path.slice(i), text);
}

const name = (step: Step | undefined) =>
  step && 'attribute' in step ? step.attribute : step && 'index' in step ? step.index : undefined;

/** A traversal: a root name, then .attribute, [index] and [key] steps. */
function reference(text: string, scope: Scope): unknown {
  const root = /^[a-zA-Z_][\w-]*/.exec(text)?.[0];
  const path = root ? steps(text, root.length, scope) : undefined;
  if (!root || !path) return undefined;
  if (scope.symbols && root in scope.symbols) return follow(scope.symbols[root], path, text);
  if (root === 'each') return scope.each ? follow(scope.each, path, text) : undefined;
  if (root === 'var') return variable(String(name(path[0])), path.slice(1), scope, text);
  if (root === 'local') {
    const found = scope.module.locals.get(String(name(path[0])));
    const local = { ...scope, each: undefined, symbols: undefined };
    return found && lazy(found.value, path.slice(1), local, text);
  }
  if (root === 'module') return moduleOutput(text, path, scope);
  if (root.includes('_')) return resourceArgument(text, root, path, scope);
  return undefined;
}

/** <type>.<name>[index or *].<argument>: what the configuration sets, not what the provider computes. */
function resourceArgument(text: string, type: string, path: Step[], scope: Scope): unknown {
  const resource = scope.module.resources.find((r) => r.type === type && r.name === name(path[0]));
  if (!resource) return undefined;
  const indexed = path[1] && !('attribute' in path[1]);
  const attribute = name(path[indexed ? 2 : 1]);
  if (typeof attribute !== 'string' || !(attribute in resource.body)) return new Unknown(text);
  const at = (each: Scope['each']) =>
    lazy(
      resource.body[attribute],
      path.slice(indexed ? 3 : 2),
      { ...scope, each, symbols: undefined },
      text,
    );
  if (!path[1] || !('splat' in path[1]))
    return at(indexed ? { key: String(name(path[1])), value: undefined } : undefined);
  const count = evaluate(resource.body.count ?? 1, scope);
  return typeof count === 'number'
    ? Array.from({ length: count }, (_, i) => at({ key: String(i), value: i }))
    : new Unknown(text);
}

/** A variable's value: the caller's argument, else its default, else (the root's) unknown. */
function variable(name: string, path: Step[], scope: Scope, text: string): unknown {
  const argument = scope.caller?.call.body[name];
  if (scope.caller && argument !== undefined) return lazy(argument, path, scope.caller.scope, text);
  const declared = scope.module.variables.get(name);
  if (scope.caller && declared && 'default' in declared.body)
    return follow(declared.body.default, path, text);
  return path.length === 0 ? new Unknown(`var.${name}`) : new Unknown(text);
}

/** module.<call>[key].<output>: the output evaluated in the called module, with this call's arguments. */
function moduleOutput(text: string, path: Step[], scope: Scope): unknown {
  const call = scope.module.moduleCalls.find((c) => c.name === name(path[0]));
  const target = call && calledModule(scope, call);
  if (!call || !target) return undefined;
  let each: Scope['each'];
  let next = 1;
  if (call.body.for_each !== undefined) {
    const key = name(path[1]);
    const instances = evaluate(call.body.for_each, scope);
    if (
      typeof key !== 'string' ||
      !instances ||
      typeof instances !== 'object' ||
      !(key in instances)
    )
      return new Unknown(text);
    each = { key, value: (instances as Record<string, unknown>)[key] };
    next = 2;
  }
  const output = target.outputs.get(String(name(path[next])));
  if (!output) return new Unknown(text);
  const result = lazy(
    output.body.value,
    path.slice(next + 1),
    {
      config: scope.config,
      module: target,
      caller: { call, scope: { ...scope, each, symbols: undefined } },
    },
    text,
  );
  // An unknown keeps what is known of it (a template's text) but is named as the caller wrote it.
  if (!(result instanceof Unknown)) return result;
  return new Unknown(text, result.text === `<${result.expression}>` ? `<${text}>` : result.text);
}

/** The module a call's local source names. */
export function calledModule(scope: Scope, call: Declaration): TerraformModule | undefined {
  const source = call.body.source;
  if (!scope.config || typeof source !== 'string' || !source.startsWith('.')) return undefined;
  return scope.config.modules.get(normalize(join(scope.module.dir, source)).replace(/^\.$/, ''));
}
