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
  # The value of every setting a function may be deployed with, but its database user.
  setting_values = merge(local.setting_defaults, var.settings, {
    APP_ENV              = var.environment
    GOOGLE_CLOUD_PROJECT = var.project_id
    CLOUD_SQL_INSTANCE   = module.database.connection_name
    CLOUD_SQL_AUTH_TYPE  = "IAM"
    DATABASE_NAME        = module.database.database
    API_KEYS             = "sm://${module.secrets.secret_ids["API_KEYS"]}"
    EVENTS_TOPIC         = module.events_topic.name
  })

  # Each function signs in to the database as its own IAM user (database.tf).
  function_settings = {
    for name, user in google_sql_user.functions : name => merge(local.setting_values, { DATABASE_USER = user.name })
  }

  function_environment = {
    for name, f in local.function_declarations : name => merge(
      local.runtime_environment,
      { for setting in f.settings : setting => local.function_settings[name][setting] },
    )
  }
}

# Each function waits for what it reads at cold start by data, not by a module-level
# depends_on (which would defer reading every bundle to apply time, so every function would be
# redeployed whenever the secrets or the database changed): module.secrets.secret_ids is known
# once the secrets have their values and readers, its database user once the user exists
# (test/infra/ordering.test.ts).
module "functions" {
  source                = "./modules/cloud-function"
  for_each              = local.function_declarations
  project_id            = var.project_id
  region                = var.region
  name                  = each.key
  description           = "manifest ${each.key} (${each.value.kind == "http" ? "HTTP" : "Pub/Sub push"})"
  bundle                = { source_dir = "${path.root}/../dist/functions/${each.key}", bucket = google_storage_bucket.function_sources.name }
  service_account_email = module.service_accounts.emails["fn-${each.key}"]
  build_service_account = module.service_accounts.ids["function-builder"]
  environment_variables = local.function_environment[each.key]
  vpc_connector         = module.network.vpc_connector
  labels                = local.labels
  sizing                = try(var.functions[each.key].sizing, {})
  trigger = (
    each.value.kind == "http"
    ? { http = { read_only = each.value.read_only, public = try(var.functions[each.key].public, false) }, push = null }
    : { http = null, push = { service_account_email = module.service_accounts.emails["push-${each.key}"] } }
  )
  # The deployer invokes every HTTP function: the pipeline's smoke test.
  iam = each.value.kind == "http" ? {
    "roles/run.invoker" = concat(try(var.functions[each.key].invokers, []), [module.service_accounts.members["deployer"]])
  } : {}
}
