# Monitoring: an alert with its runbook for each way manifest fails, one dashboard, an uptime
# check on /health from outside, and an optional budget (modules/monitoring). It watches what
# the rest of this configuration declares: the registry's functions, the push subscriptions, the
# dead-letter topic's retained subscription, the database instance.
module "monitoring" {
  source                   = "./modules/monitoring"
  project_id               = var.project_id
  project_number           = data.google_project.this.number
  environment              = var.environment
  functions                = local.function_declarations
  push_subscriptions       = local.push_subscriptions
  dead_letter_subscription = module.dead_letter_topic.retained_subscription
  database = {
    instance        = local.names.sql_instance
    max_connections = module.database.max_connections
  }
  health_check = {
    host   = trimprefix(module.functions["health"].uri, "https://")
    path   = "/health?strict=true"
    public = try(var.functions.health.public, false)
  }
  outbox_backlog_log    = local.outbox_backlog_log
  notification_channels = var.monitoring.notification_channels
  thresholds            = var.monitoring.thresholds
  budget                = var.monitoring.budget
  labels                = local.labels
  depends_on            = [google_project_service.enabled]
}
