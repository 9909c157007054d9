# The functions: gen2, Node.js 22, each from its bundle (dist/functions/<name>, `npm run build`),
# running as its own service account with the settings its declaration lists.
#
# Bundles are named by their content, so a deploy replaces a changed function's bundle: the old
# one becomes a noncurrent version, kept 30 days (what a rollback rebuilds from), then deleted.
# The bucket waits for the functions' image repository (every function waits for the bucket).
resource "google_storage_bucket" "function_sources" {
  project                     = var.project_id
  name                        = local.names.function_sources_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.environment != "production"
  labels                      = local.labels
  versioning {
    enabled = true
  }
  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 30
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }
  depends_on = [google_project_service.enabled, google_artifact_registry_repository.function_images]
}

# The images Cloud Functions builds from the bundles: gen2 functions push to gcf-artifacts in
# their region, which Cloud Functions would otherwise create on first deploy with no cleanup, so
# it is declared here first. Every deploy adds an image per changed function; only the newest
# versions of each are kept (a rollback to a recent revision keeps its image). An environment
# whose functions were deployed before this repository was declared imports it once
# (terraform/README.md, Function images).
resource "google_artifact_registry_repository" "function_images" {
  project                = var.project_id
  location               = var.region
  repository_id          = "gcf-artifacts"
  description            = "Images of the manifest functions, built by Cloud Functions from their bundles."
  format                 = "DOCKER"
  labels                 = local.labels
  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "delete-after-30-days"
    action = "DELETE"
    condition {
      tag_state  = "ANY"
      older_than = "2592000s"
    }
  }
  cleanup_policies {
    id     = "keep-the-newest-5"
    action = "KEEP"
    most_recent_versions {
      keep_count = 5
    }
  }
  depends_on = [google_project_service.enabled]
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
      { for setting in f.settings : setting => local.function_settings[name][setting] if !contains(local.sizing_settings, setting) },
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
  # The deployer invokes every HTTP function: the pipeline's smoke test. A private health
  # function is also invoked by the uptime check, as the Monitoring service agent.
  iam = each.value.kind == "http" ? {
    "roles/run.invoker" = concat(
      try(var.functions[each.key].invokers, []),
      [module.service_accounts.members["deployer"]],
      each.key == "health" && !try(var.functions[each.key].public, false) ? [local.monitoring_service_agent] : [],
    )
  } : {}
}
