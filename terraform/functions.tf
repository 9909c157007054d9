# The functions: gen2, Node.js 22, each from its bundle (dist/functions/<name>, `npm run build`),
# running as its own service account with the settings its declaration lists.
resource "google_storage_bucket" "function_sources" {
  project                     = var.project_id
  name                        = local.names.function_sources_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.environment != "production"
  labels                      = local.labels
  depends_on                  = [google_project_service.enabled]
}

locals {
  # The value of every setting a function may be deployed with.
  setting_values = merge(local.setting_defaults, var.settings, {
    APP_ENV              = var.environment
    GOOGLE_CLOUD_PROJECT = var.project_id
    CLOUD_SQL_INSTANCE   = module.database.connection_name
    DATABASE_NAME        = module.database.database
    DATABASE_USER        = module.database.user
    DATABASE_PASSWORD    = "sm://${module.secrets.secret_ids["DATABASE_PASSWORD"]}"
    API_KEYS             = "sm://${module.secrets.secret_ids["API_KEYS"]}"
    EVENTS_TOPIC         = module.events_topic.name
  })

  function_environment = {
    for name, f in local.function_declarations : name => merge(
      local.runtime_environment,
      { for setting in f.settings : setting => local.setting_values[setting] },
    )
  }
}

module "http_functions" {
  source                = "./modules/http-function"
  for_each              = local.http_functions
  project_id            = var.project_id
  region                = var.region
  name                  = each.key
  description           = "manifest ${each.key} (HTTP)"
  bundle                = { source_dir = "${path.root}/../dist/functions/${each.key}", bucket = google_storage_bucket.function_sources.name }
  service_account_email = module.service_accounts.emails["fn-${each.key}"]
  build_service_account = module.service_accounts.ids["function-builder"]
  environment_variables = local.function_environment[each.key]
  vpc_connector         = module.network.vpc_connector
  labels                = local.labels
  read_only             = each.value.read_only
  public                = try(var.functions[each.key].public, false)
  # The deployer invokes every HTTP function: the pipeline's smoke test.
  invokers = merge(
    { for member in try(var.functions[each.key].invokers, []) : member => member },
    { deployer = module.service_accounts.members["deployer"] },
  )
  sizing = try({
    memory          = var.functions[each.key].memory
    cpu             = var.functions[each.key].cpu
    timeout_seconds = var.functions[each.key].timeout_seconds
    min_instances   = var.functions[each.key].min_instances
    max_instances   = var.functions[each.key].max_instances
    concurrency     = var.functions[each.key].concurrency
  }, {})
  # A function reads its secrets at cold start: they, their values and its access come first.
  depends_on = [module.secrets, module.database]
}

module "event_functions" {
  source                     = "./modules/event-function"
  for_each                   = local.event_functions
  project_id                 = var.project_id
  region                     = var.region
  name                       = each.key
  description                = "manifest ${each.key} (Pub/Sub push)"
  bundle                     = { source_dir = "${path.root}/../dist/functions/${each.key}", bucket = google_storage_bucket.function_sources.name }
  service_account_email      = module.service_accounts.emails["fn-${each.key}"]
  push_service_account_email = module.service_accounts.emails["push-${each.key}"]
  build_service_account      = module.service_accounts.ids["function-builder"]
  environment_variables      = local.function_environment[each.key]
  vpc_connector              = module.network.vpc_connector
  labels                     = local.labels
  sizing = try({
    memory          = var.functions[each.key].memory
    cpu             = var.functions[each.key].cpu
    timeout_seconds = var.functions[each.key].timeout_seconds
    min_instances   = var.functions[each.key].min_instances
    max_instances   = var.functions[each.key].max_instances
    concurrency     = var.functions[each.key].concurrency
  }, {})
  depends_on = [module.secrets, module.database]
}
