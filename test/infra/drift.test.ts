import { checkDrift, codeDeclarations } from './support/drift';
import {
  evaluatedLocal,
  loadTerraform,
  local,
  rootModule,
  type TerraformConfig,
} from './support/terraform';

/**
 * What the code declares about its deployment (the function registry shared/deploy/functions.ts,
 * shared/deploy/subscriptions.ts, shared/config/settings.ts) is what Terraform deploys.
 */
const code = codeDeclarations();
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

describe('Terraform and the code', () => {
  it('declare the same functions, topics, subscriptions, secrets and environment variables', () => {
    expect(checkDrift(config, code)).toEqual([]);
  });

  it('deploy every function of the code, each of its kind', () => {
    const declared = evaluatedLocal<Record<string, { kind: string }>>(
      rootModule(config),
      'function_declarations',
    );
    expect(Object.fromEntries(Object.entries(declared).map(([name, f]) => [name, f.kind]))).toEqual(
      Object.fromEntries(code.deployments.map((d) => [d.name, d.kind])),
    );
  });

  it('give each event function a push subscription with the filter its handlers translate to', () => {
    const subscriptions = local<
      Record<string, { function: string; topic: string; filter: string }>
    >(rootModule(config), 'push_subscriptions');
    expect(
      Object.entries(subscriptions)
        .map(([name, s]) => [name, s.function, s.topic, s.filter])
        .sort(),
    ).toEqual(code.subscriptions.map((s) => [s.name, s.function, s.topic, s.filter]).sort());
    expect(subscriptions['manifest-events--project-stats']!.filter).toBe(
      'hasPrefix(attributes.type, "person.") OR attributes.type = "people.imported"',
    );
  });

  it("restate the relay's backlog line as the code writes it: message and field names", () => {
    expect(local(rootModule(config), 'outbox_backlog_log')).toEqual({
      function: code.backlogLog.function,
      message: code.backlogLog.message,
      pending: code.backlogLog.fields.pending,
      oldest_pending_seconds: code.backlogLog.fields.oldestPendingSeconds,
    });
  });

  it('use the topic names the code defaults to', () => {
    expect(local(rootModule(config), 'topics')).toEqual({
      events: code.defaults.EVENTS_TOPIC,
      dead_letter: code.defaults.DEAD_LETTER_TOPIC,
      relay: code.defaults.RELAY_TOPIC,
    });
  });
});
