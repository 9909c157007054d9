import type { CodeDeclarations } from './drift';
import { render } from './evaluate';
import {
  alertConditions,
  checkSelection,
  dashboardWidgets,
  declared,
  MONITORED_TYPES,
  type AlertCondition,
  type Declared,
  type Selection,
} from './monitoring';
import { renderedResources, type RenderedResource } from './rendered';
import { blocks, type TerraformConfig } from './terraform';

/**
 * Monitoring covers what the issue asks and names only real things: an alert for each failure
 * (dead letters, each push subscription, the outbox and the relay's silence, each HTTP
 * function's 5xx ratio, Cloud SQL connections and CPU or disk, the uptime check), each with a
 * runbook and the notification channels; a dashboard with the seven signals per environment;
 * and every metric, subscription, function and database they select declared by the
 * configuration or the code.
 */
const METRIC = {
  requests: 'run.googleapis.com/request_count',
  latency: 'run.googleapis.com/request_latencies',
  instances: 'run.googleapis.com/container/instance_count',
  undelivered: 'pubsub.googleapis.com/subscription/num_undelivered_messages',
  oldestUnacked: 'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
  backends: 'cloudsql.googleapis.com/database/postgresql/num_backends',
  cpu: 'cloudsql.googleapis.com/database/cpu/utilization',
  disk: 'cloudsql.googleapis.com/database/disk/utilization',
  uptime: 'monitoring.googleapis.com/uptime_check/check_passed',
};

const has = (s: Selection, metric: string) => s.metrics.includes(metric);
const is5xx = (s: Selection) => /response_code_class\s*=\s*"5xx"/.test(s.text);

/** The log-based metrics that read the relay's backlog line, and the one that reads the age. */
function backlogMetrics(known: Declared, code: CodeDeclarations): { all: string[]; age?: string } {
  const { function: fn, message, fields } = code.backlogLog;
  const all = [...known.logMetrics]
    .filter(
      ([, m]) =>
        m.filter.includes(`resource.labels.service_name = "${fn}"`) &&
        m.filter.includes(`jsonPayload.message = "${message}"`),
    )
    .map(([name, m]) => ({ name: `logging.googleapis.com/user/${name}`, ...m }));
  const age = all.find(
    (m) => m.valueExtractor === `EXTRACT(jsonPayload.${fields.oldestPendingSeconds})`,
  );
  return { all: all.map((m) => m.name), age: age?.name };
}

/** Each expected alert: a description, and what one of its conditions must be. */
function expectedAlerts(
  known: Declared,
  code: CodeDeclarations,
): [string, (c: AlertCondition) => boolean][] {
  const backlog = backlogMetrics(known, code);
  const threshold = (c: AlertCondition) => c.kind === 'condition_threshold';
  const database = (c: AlertCondition) => c.databases.some((id) => known.databases.includes(id));
  return [
    ...known.deadLetterSubscriptions.map((name): [string, (c: AlertCondition) => boolean] => [
      `undelivered messages in the dead-letter subscription ${name}`,
      (c) => threshold(c) && has(c, METRIC.undelivered) && c.subscriptions.includes(name),
    ]),
    ...code.subscriptions.map((s): [string, (c: AlertCondition) => boolean] => [
      `the oldest unacked message of ${s.name}`,
      (c) => threshold(c) && has(c, METRIC.oldestUnacked) && c.subscriptions.includes(s.name),
    ]),
    [
      "the outbox's oldest pending row (a log-based metric of the relay's backlog line)",
      (c) => threshold(c) && backlog.age !== undefined && has(c, backlog.age),
    ],
    [
      "the relay's silence (an absence of its backlog line)",
      (c) => c.kind === 'condition_absent' && backlog.all.some((m) => has(c, m)),
    ],
    ...code.deployments
      .filter((d) => d.kind === 'http')
      .map((d): [string, (c: AlertCondition) => boolean] => [
        `the 5xx ratio of ${d.name}`,
        (c) =>
          c.kind === 'condition_prometheus_query_language' &&
          has(c, METRIC.requests) &&
          is5xx(c) &&
          c.services.includes(d.name) &&
          c.text.includes('/'),
      ]),
    ['Cloud SQL connections', (c) => threshold(c) && has(c, METRIC.backends) && database(c)],
    [
      'Cloud SQL CPU or disk',
      (c) => threshold(c) && (has(c, METRIC.cpu) || has(c, METRIC.disk)) && database(c),
    ],
  ];
}

/** The uptime check on /health?strict=true of the health function, and its alert. */
function checkUptime(
  checks: RenderedResource[],
  conditions: AlertCondition[],
  code: CodeDeclarations,
  problems: string[],
): void {
  const health = checks.filter((u) => {
    const path = render(blocks(u.body, 'http_check')[0]?.path ?? '');
    const labels = blocks(u.body, 'monitored_resource')[0]?.labels as Record<string, unknown>;
    const host = render(labels?.host ?? '');
    const fn = /^\/([\w-]+)/.exec(path)?.[1];
    const declared = code.deployments.find((d) => d.name === fn && d.kind === 'http');
    return (
      declared && path.includes('strict=true') && host.includes(`module.functions["${fn}"].uri`)
    );
  });
  if (health.length !== 1)
    problems.push(
      `monitoring: ${health.length} uptime checks call a function's /<name>?strict=true on its own host (module.functions["<name>"].uri); expected the health check, once`,
    );
  for (const check of health)
    if (
      !conditions.some(
        (c) =>
          has(c, METRIC.uptime) &&
          c.text.includes(`google_monitoring_uptime_check_config.${check.name}.`),
      )
    )
      problems.push(`${check.file}: ${check.address}: no alert policy watches this uptime check`);
}

/** Every monitoring problem of the configuration; [] when it covers everything. */
export function checkMonitoring(config: TerraformConfig, code: CodeDeclarations): string[] {
  const problems: string[] = [];
  const rendered = renderedResources(config, MONITORED_TYPES);
  const known = declared(rendered, code);
  const of = (type: string) => rendered.filter((r) => r.type === type);
  const alerts = of('google_monitoring_alert_policy');
  const conditions = alertConditions(alerts);
  const functions = code.deployments.map((d) => d.name);
  const widgets = dashboardWidgets(of('google_monitoring_dashboard'));

  for (const s of [...conditions, ...[...widgets.values()].flat()])
    checkSelection(s, known, functions, problems);

  for (const [what, matches] of expectedAlerts(known, code))
    if (!conditions.some(matches)) problems.push(`monitoring: no alert policy on ${what}`);
  checkUptime(of('google_monitoring_uptime_check_config'), conditions, code, problems);

  for (const alert of alerts) {
    const where = `${alert.file}: ${alert.address}`;
    const documentation = blocks(alert.body, 'documentation')[0];
    const content = render(documentation?.content ?? '');
    if (documentation?.mime_type !== 'text/markdown' || !/\*\*What to do\.\*\*/.test(content))
      problems.push(`${where}: documentation must be markdown with a **What to do.** runbook`);
    if (alert.declared.notification_channels !== '${local.notification_channels}')
      problems.push(`${where}: must notify local.notification_channels`);
  }

  checkDashboard(widgets, known, code, functions, problems);
  checkTfvars(config, problems);
  return problems;
}

/** The attribute names of an object type constraint, as written: object({ name = type, ... }). */
function objectAttributes(type: unknown): string[] {
  const body = /object\(\{([\s\S]*?)\}\)/.exec(String(type))?.[1] ?? '';
  return [...body.matchAll(/^\s*([a-z_0-9]+)\s*=/gm)].map((m) => m[1]!);
}

/**
 * Each environment's monitoring settings use the module's names: the root variable passes them
 * as `any`, and a misspelt threshold would otherwise be dropped silently, leaving the default.
 */
function checkTfvars(config: TerraformConfig, problems: string[]): void {
  const variables = config.modules.get('modules/monitoring')?.variables;
  const known = {
    thresholds: objectAttributes(variables?.get('thresholds')?.body.type),
    channel: objectAttributes(variables?.get('notification_channels')?.body.type),
  };
  for (const [environment, values] of config.tfvars) {
    const where = `terraform/envs/${environment}.tfvars: monitoring`;
    const monitoring = (values.monitoring ?? {}) as Record<string, Record<string, unknown>>;
    for (const name of Object.keys(monitoring.thresholds ?? {}))
      if (!known.thresholds.includes(name))
        problems.push(
          `${where}.thresholds.${name} is not a threshold (${known.thresholds.join(', ')})`,
        );
    for (const [name, channel] of Object.entries(monitoring.notification_channels ?? {})) {
      const kinds = Object.keys(channel as object);
      if (kinds.length !== 1 || !known.channel.includes(kinds[0]!))
        problems.push(
          `${where}.notification_channels.${name} must set exactly one of ${known.channel.join(', ')}`,
        );
    }
  }
}

/** The seven signals, each in a widget; the functions' widgets show every function. */
function checkDashboard(
  widgets: Map<string, Selection[]>,
  known: Declared,
  code: CodeDeclarations,
  functions: string[],
  problems: string[],
): void {
  const backlog = backlogMetrics(known, code).all;
  const signals: [string, (s: Selection) => boolean][] = [
    ['requests', (s) => has(s, METRIC.requests) && !is5xx(s)],
    ['latency', (s) => has(s, METRIC.latency)],
    ['errors', (s) => has(s, METRIC.requests) && is5xx(s)],
    ['instance count', (s) => has(s, METRIC.instances)],
    ['outbox backlog', (s) => backlog.some((m) => has(s, m))],
    [
      'dead letters',
      (s) =>
        has(s, METRIC.undelivered) &&
        s.subscriptions.some((name) => known.deadLetterSubscriptions.includes(name)),
    ],
    ['database connections', (s) => has(s, METRIC.backends)],
  ];
  const all = [...widgets.values()].flat();
  for (const [signal, shows] of signals)
    if (!all.some(shows)) problems.push(`monitoring: the dashboard shows no ${signal}`);
  for (const s of all.filter((s) => s.metrics.some((m) => m.startsWith('run.googleapis.com/'))))
    if (JSON.stringify([...s.services].sort()) !== JSON.stringify([...functions].sort()))
      problems.push(
        `${s.where}: shows functions ${s.services.join(', ') || '(all of the project)'}; the registry has ${functions.join(', ')}`,
      );
}
