import { evaluate, render, Unknown, type Scope } from './support/evaluate';
import { callScope, renderedResources } from './support/rendered';
import { find, loadTerraform, rootModule, type TerraformConfig } from './support/terraform';

/**
 * The offline evaluation the monitoring checks stand on: a module instance's arguments as the
 * configuration alone decides them, and what it cannot decide kept as <expression>.
 */
let config: TerraformConfig;
let root: Scope;

beforeAll(async () => {
  config = await loadTerraform();
  root = { config, module: rootModule(config) };
});

const argument = (call: string, name: string) =>
  evaluate(find(rootModule(config), call).body[name], root);

describe('offline evaluation', () => {
  it("follows a module's output into the module, with the call's arguments (count, splat, one())", () => {
    expect(argument('module.monitoring', 'dead_letter_subscription')).toBe(
      'manifest-events-dead-letter--retained',
    );
  });

  it('keeps what the tfvars decide unknown, and the text around it', () => {
    const database = argument('module.monitoring', 'database') as { instance: unknown };
    expect(database.instance).toBeInstanceOf(Unknown);
    expect(render(database.instance)).toBe('manifest-<var.environment>');
  });

  it("evaluates a module's for-expression over the registry its caller passes", () => {
    const scope = callScope(config, 'module.monitoring')!;
    expect(Object.keys(evaluate('${local.http_functions}', scope) as object)).toEqual([
      'health',
      'people',
      'stats',
    ]);
  });

  it('makes one instance per for_each key, each with its own each.key', () => {
    const backlog = renderedResources(config, ['google_monitoring_alert_policy'])
      .filter((r) => r.name === 'push_backlog')
      .map((r) => [r.address, render(r.body.display_name)]);
    expect(backlog).toEqual([
      [
        'module.monitoring.google_monitoring_alert_policy.push_backlog["manifest-events--audit-log"]',
        'manifest <var.environment>: manifest-events--audit-log is not draining',
      ],
      [
        'module.monitoring.google_monitoring_alert_policy.push_backlog["manifest-events--project-stats"]',
        'manifest <var.environment>: manifest-events--project-stats is not draining',
      ],
      [
        'module.monitoring.google_monitoring_alert_policy.push_backlog["manifest-relay-tick--relay-outbox"]',
        'manifest <var.environment>: manifest-relay-tick--relay-outbox is not draining',
      ],
    ]);
  });

  it('names an unknown by the expression that made it, as its caller wrote it', () => {
    expect(evaluate('${module.functions["health"].uri}', root)).toEqual(
      new Unknown('module.functions["health"].uri'),
    );
    const health = argument('module.monitoring', 'health_check') as { host: unknown };
    expect(health.host).toEqual(
      new Unknown('trimprefix(module.functions["health"].uri, "https://")'),
    );
  });
});
