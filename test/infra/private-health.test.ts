import {
  blocks,
  find,
  loadTerraform,
  local,
  rootModule,
  type Body,
  type TerraformConfig,
} from './support/terraform';

/**
 * Where domain-restricted sharing refuses allUsers, health stays private (no `public` in the
 * tfvars) and the uptime check still reaches it: the check sends the Monitoring service agent's
 * identity token, and that agent, and no one else beyond the usual invokers, may invoke health.
 */
let config: TerraformConfig;

beforeAll(async () => {
  config = await loadTerraform();
});

const flat = (value: unknown) =>
  (typeof value === 'string' ? value : JSON.stringify(value ?? '')).replace(/\s+/g, ' ');

/** What keeps a private health function checkable; [] when all of it holds. */
function checkPrivateHealth(c: TerraformConfig): string[] {
  const problems: string[] = [];
  const uptime = c.modules
    .get('modules/monitoring')!
    .resources.find((r) => r.type === 'google_monitoring_uptime_check_config')!;
  const http = blocks(uptime.body, 'http_check')[0]!;
  const auth = blocks((http.dynamic ?? {}) as Body, 'service_agent_authentication')[0];
  if (auth?.for_each !== '${var.health_check.public ? [] : ["OIDC_TOKEN"]}')
    problems.push(
      "terraform/modules/monitoring/uptime.tf: a private health function's check must send the Monitoring service agent's OIDC token",
    );
  const agent = local<string>(rootModule(c), 'monitoring_service_agent');
  if (
    agent !==
    'serviceAccount:service-${data.google_project.this.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com'
  )
    problems.push(`terraform/main.tf: local.monitoring_service_agent is ${agent}`);
  const iam = flat(find(rootModule(c), 'module.functions').body.iam);
  if (
    !iam.includes(
      'each.key == "health" && !try(var.functions[each.key].public, false) ? [local.monitoring_service_agent] : []',
    ) ||
    (iam.match(/monitoring_service_agent/g) ?? []).length !== 1
  )
    problems.push(
      'terraform/functions.tf: the Monitoring service agent must invoke health when it is private, and nothing else',
    );
  return problems;
}

describe('a private health function', () => {
  it('is checked with the Monitoring service agent, its invoker', () => {
    expect(checkPrivateHealth(config)).toEqual([]);
  });

  it('is reported when the check would call it anonymously', () => {
    const broken = structuredClone(config);
    const uptime = broken.modules
      .get('modules/monitoring')!
      .resources.find((r) => r.type === 'google_monitoring_uptime_check_config')!;
    delete (blocks(uptime.body, 'http_check')[0]!.dynamic as Body).service_agent_authentication;
    const call = find(rootModule(broken), 'module.functions');
    call.body.iam = flat(call.body.iam).replace(
      'each.key == "health" && !try(var.functions[each.key].public, false)',
      'false',
    );
    expect(checkPrivateHealth(broken)).toEqual([
      "terraform/modules/monitoring/uptime.tf: a private health function's check must send the Monitoring service agent's OIDC token",
      'terraform/functions.tf: the Monitoring service agent must invoke health when it is private, and nothing else',
    ]);
  });
});
