import { codeDeclarations } from './support/drift';
import { checkMonitoring } from './support/monitoring-checks';
import {
  blocks,
  copyConfig,
  find,
  loadTerraform,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

/**
 * Monitoring as code (terraform/modules/monitoring, called by terraform/monitoring.tf) watches
 * every failure the issue names and only what the configuration and the code declare.
 */
const code = codeDeclarations();
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const MODULE = 'modules/monitoring';
const resource = (c: TerraformConfig, type: string, name: string) =>
  c.modules.get(MODULE)!.resources.find((r) => r.type === type && r.name === name)!.body;
const alert = (c: TerraformConfig, name: string) =>
  resource(c, 'google_monitoring_alert_policy', name);
const condition = (c: TerraformConfig, name: string, kind = 'condition_threshold') =>
  blocks(blocks(alert(c, name), 'conditions')[0]!, kind)[0]!;
const moduleLocal = (c: TerraformConfig, name: string) => c.modules.get(MODULE)!.locals.get(name)!;
const editLocal = (c: TerraformConfig, name: string, from: string, to: string) =>
  edit(c.modules.get(MODULE)!.locals.get(name)! as unknown as Body, 'value', from, to);
const call = (c: TerraformConfig) => find(rootModule(c), 'module.monitoring').body;
const times = (n: number, message: string) => Array.from({ length: n }, () => message);
const edit = (body: Body, key: string, from: string, to: string) => {
  const before = String(body[key]);
  if (!before.includes(from)) throw new Error(`the fault cannot be injected: no ${from} in ${key}`);
  body[key] = before.replace(from, to);
};

describe('monitoring', () => {
  it('covers every failure and names only what the configuration declares', () => {
    expect(checkMonitoring(config, code)).toEqual([]);
  });
});

describe('the monitoring check reports', () => {
  it.each<[string, (c: TerraformConfig) => void, string[]]>([
    [
      'a subscription renamed in its alert',
      (c) => edit(condition(c, 'push_backlog'), 'filter', '${each.key}\\"', '${each.key}-old\\"'),
      [
        'subscription manifest-events--audit-log-old is not one the configuration declares',
        'subscription manifest-events--project-stats-old is not one the configuration declares',
        'subscription manifest-relay-tick--relay-outbox-old is not one the configuration declares',
        'no alert policy on the oldest unacked message of manifest-events--project-stats',
        'no alert policy on the oldest unacked message of manifest-events--audit-log',
        'no alert policy on the oldest unacked message of manifest-relay-tick--relay-outbox',
      ],
    ],
    [
      'a misspelt metric type',
      (c) => edit(condition(c, 'database_connections'), 'filter', 'num_backends', 'num_backend'),
      [
        'cloudsql.googleapis.com/database/postgresql/num_backend is not a metric of GOOGLE_METRICS',
        'no alert policy on Cloud SQL connections',
      ],
    ],
    [
      'a metric selected on the wrong resource type',
      (c) =>
        edit(
          condition(c, 'database_cpu'),
          'filter',
          '${local.database_id}',
          'resource.type = "gce_instance"',
        ),
      [
        'cloudsql.googleapis.com/database/cpu/utilization is written for cloudsql_database, not gce_instance',
      ],
    ],
    [
      'a widget dropped from the dashboard',
      (c) => {
        const tiles = (moduleLocal(c, 'dashboard').value as { mosaicLayout: { tiles: Body[] } })
          .mosaicLayout.tiles;
        tiles.splice(
          tiles.findIndex((t) => JSON.stringify(t).includes('instance_count')),
          1,
        );
      },
      ['the dashboard shows no instance count'],
    ],
    [
      'an alert on a log-based metric that does not exist',
      (c) => {
        moduleLocal(c, 'outbox_oldest_pending_metric').value =
          'logging.googleapis.com/user/outbox_oldest_pending';
      },
      [
        ...times(
          3,
          'logging.googleapis.com/user/outbox_oldest_pending: no google_logging_metric is named outbox_oldest_pending',
        ),
        "no alert policy on the outbox's oldest pending row",
        "no alert policy on the relay's silence",
      ],
    ],
    [
      'log-based metrics that read another line than the relay writes',
      (c) => {
        (rootModule(c).locals.get('outbox_backlog_log')!.value as Body).message = 'outbox status';
      },
      [
        "no alert policy on the outbox's oldest pending row",
        "no alert policy on the relay's silence",
        'the dashboard shows no outbox backlog',
      ],
    ],
    [
      'no absence condition on the relay',
      (c) => {
        const conditions = blocks(alert(c, 'relay_silent'), 'conditions')[0]!;
        conditions.condition_threshold = conditions.condition_absent;
        delete conditions.condition_absent;
      },
      ["no alert policy on the relay's silence"],
    ],
    [
      'the dead-letter alert on a consumer subscription',
      (c) => {
        call(c).dead_letter_subscription = 'manifest-events--audit-log';
      },
      [
        'no alert policy on undelivered messages in the dead-letter subscription manifest-events-dead-letter--retained',
        'the dashboard shows no dead letters',
      ],
    ],
    [
      'the 5xx alerts on the event functions instead of the HTTP ones',
      (c) => editLocal(c, 'http_functions', '"http"', '"event"'),
      [
        'no alert policy on the 5xx ratio of people',
        'no alert policy on the 5xx ratio of stats',
        'no alert policy on the 5xx ratio of health',
      ],
    ],
    [
      'a function the registry does not have',
      (c) => editLocal(c, 'functions_filter', 'one_of(', 'one_of("ghost", '),
      [
        ...times(5, 'ghost is not a function of shared/deploy/functions.ts'),
        ...times(
          5,
          'shows functions ghost, audit-log, health, people, project-stats, relay-outbox, stats; the registry has',
        ),
      ],
    ],
    [
      'another database instance',
      (c) => {
        (call(c).database as Body).instance = 'manifest-old';
      },
      [
        ...times(
          6,
          "database <var.project_id>:manifest-old is not the configuration's Cloud SQL instance",
        ),
        'no alert policy on Cloud SQL connections',
        'no alert policy on Cloud SQL CPU or disk',
      ],
    ],
    [
      'an uptime check that is not strict',
      (c) => {
        (call(c).health_check as Body).path = '/health';
      },
      ["0 uptime checks call a function's /<name>?strict=true on its own host"],
    ],
    [
      'an uptime check on another function',
      (c) => edit(call(c).health_check as Body, 'host', '"health"', '"stats"'),
      ["0 uptime checks call a function's /<name>?strict=true on its own host"],
    ],
    [
      'an alert without its runbook',
      (c) => {
        blocks(alert(c, 'dead_letters'), 'documentation')[0]!.content = 'Dead letters.';
      },
      [
        'google_monitoring_alert_policy.dead_letters: documentation must be markdown with a **What to do.** runbook',
      ],
    ],
    [
      'an alert that notifies no one',
      (c) => {
        alert(c, 'database_disk').notification_channels = [];
      },
      ['google_monitoring_alert_policy.database_disk: must notify local.notification_channels'],
    ],
    [
      'a misspelt threshold and a channel of two kinds in a tfvars',
      (c) => {
        c.tfvars.get('production')!.monitoring = {
          notification_channels: { oncall: { email: 'a@example.com', webhook: 'https://x' } },
          thresholds: { http_5xx_ration: 0.02 },
        };
      },
      [
        'terraform/envs/production.tfvars: monitoring.thresholds.http_5xx_ration is not a threshold',
        'terraform/envs/production.tfvars: monitoring.notification_channels.oncall must set exactly one of email, webhook, existing',
      ],
    ],
  ])('%s', (_title, change, messages) => {
    const broken = copyConfig(config);
    change(broken);
    expect(checkMonitoring(broken, code)).toEqual(messages.map((m) => expect.stringContaining(m)));
  });
});
