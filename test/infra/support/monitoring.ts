import type { CodeDeclarations } from './drift';
import { render } from './evaluate';
import type { RenderedResource } from './rendered';
import { blocks, type Body } from './terraform';

/**
 * The metrics manifest's monitoring may use, each with the monitored resource type of its time
 * series, from Google's lists (https://cloud.google.com/monitoring/api/metrics_gcp): Cloud Run
 * and Pub/Sub in metrics_gcp_p_z (#gcp-run, #gcp-pubsub), Cloud SQL in metrics_gcp_c
 * (#gcp-cloudsql), uptime checks in metrics_gcp_i_o (#gcp-monitoring). A gen2 function is a
 * Cloud Run service. Log-based metrics (logging.googleapis.com/user/<name>) are the
 * configuration's own google_logging_metric resources.
 */
export const GOOGLE_METRICS: Record<string, string> = {
  'run.googleapis.com/request_count': 'cloud_run_revision',
  'run.googleapis.com/request_latencies': 'cloud_run_revision',
  'run.googleapis.com/container/instance_count': 'cloud_run_revision',
  'pubsub.googleapis.com/subscription/num_undelivered_messages': 'pubsub_subscription',
  'pubsub.googleapis.com/subscription/oldest_unacked_message_age': 'pubsub_subscription',
  'pubsub.googleapis.com/subscription/dead_letter_message_count': 'pubsub_subscription',
  'cloudsql.googleapis.com/database/postgresql/num_backends': 'cloudsql_database',
  'cloudsql.googleapis.com/database/cpu/utilization': 'cloudsql_database',
  'cloudsql.googleapis.com/database/disk/utilization': 'cloudsql_database',
  'monitoring.googleapis.com/uptime_check/check_passed': 'uptime_url',
};

/** What one time-series filter or PromQL query selects. */
export interface Selection {
  /** file: address: path, for messages. */
  where: string;
  text: string;
  metrics: string[];
  resourceTypes: string[];
  subscriptions: string[];
  services: string[];
  databases: string[];
}

/** `label = "x"` and `label = one_of("x", "y")` of a filter, `label="x"` of a PromQL query. */
function labelValues(text: string, label: string): string[] {
  const values: string[] = [];
  for (const [, list] of text.matchAll(new RegExp(`${label}\\s*=\\s*one_of\\(([^)]*)\\)`, 'g')))
    values.push(...[...list!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!));
  for (const [, value] of text.matchAll(new RegExp(`${label}\\s*=\\s*"([^"]*)"`, 'g')))
    values.push(value!);
  return values;
}

/** Parses what a filter (metric.type = ...) or a PromQL query ({"<metric>", ...}) selects. */
export function selection(where: string, text: string): Selection {
  return {
    where,
    text,
    metrics: [
      ...labelValues(text, 'metric\\.type'),
      ...[...text.matchAll(/\{\s*"([^"]+)"/g)].map((m) => m[1]!),
    ],
    resourceTypes: [
      ...labelValues(text, 'resource\\.type'),
      ...labelValues(text, 'monitored_resource'),
    ],
    subscriptions: labelValues(text, 'subscription_id'),
    services: labelValues(text, 'service_name'),
    databases: labelValues(text, 'database_id'),
  };
}

const CONDITIONS = [
  'condition_threshold',
  'condition_absent',
  'condition_prometheus_query_language',
  'condition_monitoring_query_language',
];

/** One condition of a rendered alert policy: its kind and what it selects. */
export interface AlertCondition extends Selection {
  kind: string;
  policy: RenderedResource;
  body: Body;
}

/** Every condition of every alert policy, rendered. */
export function alertConditions(alerts: RenderedResource[]): AlertCondition[] {
  return alerts.flatMap((policy) =>
    blocks(policy.body, 'conditions').flatMap((condition, i) =>
      CONDITIONS.flatMap((kind) =>
        blocks(condition, kind).map((body) => ({
          ...selection(
            `${policy.file}: ${policy.address}: conditions[${i}].${kind}`,
            render(body.filter ?? body.query ?? ''),
          ),
          kind,
          policy,
          body,
        })),
      ),
    ),
  );
}

/** The dashboards' time-series selections, widget by widget (by title). */
export function dashboardWidgets(dashboards: RenderedResource[]): Map<string, Selection[]> {
  const widgets = new Map<string, Selection[]>();
  for (const dashboard of dashboards) {
    const json = JSON.parse(render(dashboard.body.dashboard_json)) as {
      mosaicLayout?: { tiles?: { widget: { title: string; xyChart?: { dataSets: Body[] } } }[] };
    };
    for (const { widget } of json.mosaicLayout?.tiles ?? [])
      widgets.set(
        widget.title,
        (widget.xyChart?.dataSets ?? []).map((d, i) => {
          const query = d.timeSeriesQuery as Body;
          const filter = (query.timeSeriesFilter as Body | undefined)?.filter;
          return selection(
            `${dashboard.file}: ${dashboard.address}: "${widget.title}" dataSets[${i}]`,
            String(filter ?? query.prometheusQuery ?? ''),
          );
        }),
      );
  }
  return widgets;
}

/** What the configuration declares that monitoring may name. */
export interface Declared {
  /** Every subscription name, and the dead-letter topic's retained ones. */
  subscriptions: string[];
  deadLetterSubscriptions: string[];
  /** <project>:<instance> of each Cloud SQL instance, as Cloud SQL's metrics name it. */
  databases: string[];
  /** Log-based metrics by name, with the log filter and value extractor each reads. */
  logMetrics: Map<string, { filter: string; valueExtractor: string }>;
}

/** What monitoring reads of the configuration: these types, rendered (rendered.ts). */
export const MONITORED_TYPES = [
  'google_pubsub_topic',
  'google_pubsub_subscription',
  'google_sql_database_instance',
  'google_logging_metric',
  'google_monitoring_alert_policy',
  'google_monitoring_dashboard',
  'google_monitoring_uptime_check_config',
];

/** The subscriptions, databases and log-based metrics the configuration makes. */
export function declared(rendered: RenderedResource[], code: CodeDeclarations): Declared {
  const of = (type: string) => rendered.filter((r) => r.type === type);
  const moduleOf = (r: RenderedResource) => r.address.slice(0, r.address.lastIndexOf(`${r.type}.`));
  const deadLetterModules = of('google_pubsub_topic')
    .filter((t) => t.body.name === code.defaults.DEAD_LETTER_TOPIC)
    .map(moduleOf);
  const subscriptions = of('google_pubsub_subscription');
  return {
    subscriptions: subscriptions.map((s) => render(s.body.name)),
    deadLetterSubscriptions: subscriptions
      .filter(
        (s) => deadLetterModules.includes(moduleOf(s)) && s.body.retain_acked_messages === true,
      )
      .map((s) => render(s.body.name)),
    databases: of('google_sql_database_instance').map(
      (d) => `${render(d.body.project)}:${render(d.body.name)}`,
    ),
    logMetrics: new Map(
      of('google_logging_metric').map((m) => [
        render(m.body.name),
        { filter: render(m.body.filter), valueExtractor: render(m.body.value_extractor ?? '') },
      ]),
    ),
  };
}

/** Problems of what one selection names: unknown metrics, resources, subscriptions, functions, databases. */
export function checkSelection(
  s: Selection,
  known: Declared,
  functions: string[],
  problems: string[],
): void {
  if (s.metrics.length === 0) problems.push(`${s.where}: selects no metric type`);
  for (const metric of s.metrics) {
    const logMetric = /^logging\.googleapis\.com\/user\/(.+)$/.exec(metric)?.[1];
    const resource = logMetric
      ? labelValues(known.logMetrics.get(logMetric)?.filter ?? '', 'resource\\.type')[0]
      : GOOGLE_METRICS[metric];
    if (!resource) {
      problems.push(
        logMetric
          ? `${s.where}: ${metric}: no google_logging_metric is named ${logMetric}`
          : `${s.where}: ${metric} is not a metric of GOOGLE_METRICS (test/infra/support/monitoring.ts)`,
      );
      continue;
    }
    for (const type of s.resourceTypes)
      if (type !== resource)
        problems.push(`${s.where}: ${metric} is written for ${resource}, not ${type}`);
  }
  for (const name of s.subscriptions)
    if (!known.subscriptions.includes(name))
      problems.push(`${s.where}: subscription ${name} is not one the configuration declares`);
  for (const name of s.services)
    if (!functions.includes(name))
      problems.push(`${s.where}: ${name} is not a function of shared/deploy/functions.ts`);
  for (const id of s.databases)
    if (!known.databases.includes(id))
      problems.push(`${s.where}: database ${id} is not the configuration's Cloud SQL instance`);
}
