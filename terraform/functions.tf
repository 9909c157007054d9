# The functions: Cloud Run functions, Node.js 22, each a Cloud Run service running the image
# the plan build made from its bundle (dist/functions/<name>, `npm run build`) with Google
# Cloud's buildpacks (scripts/pipeline/images.sh), as its own service account with the settings
# its declaration lists.
#
# The images: the plan build pushes one per function, tagged with the commit, and plans with
# each one's digest (var.images), so the plan applies exactly the images it names. Every plan
# build adds an image per function; only recent ones are kept (a rollback to a recent commit
# redeploys its image, or rebuilds it: README, Rolling back a bad deploy).
resource "google_artifact_registry_repository" "images" {
  project                = var.project_id
  location               = var.region
  repository_id          = local.names.image_repository
  description            = "Images of the manifest functions, built by the plan build from their bundles with Google Cloud's buildpacks."
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

# The plan build pushes the images (as the planner, whose other roles only read): writing to this
# repository is the one thing it may change. Cloud Run pulls them as its service agent, which
# reads the project's repositories by default.
resource "google_artifact_registry_repository_iam_binding" "image_writers" {
  project    = var.project_id
  location   = google_artifact_registry_repository.images.location
  repository = google_artifact_registry_repository.images.name
  role       = "roles/artifactregistry.writer"
  members    = [module.service_accounts.members["planner"]]
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
# depends_on (which would defer every argument to apply time, so every function would be
# redeployed whenever the secrets or the database changed): module.secrets.secret_ids is known
# once the secrets have their values and readers, its database user once the user exists
# (test/infra/ordering.test.ts).
module "functions" {
  source      = "./modules/cloud-function"
  for_each    = local.function_declarations
  project_id  = var.project_id
  region      = var.region
  name        = each.key
  description = "manifest ${each.key} (${each.value.kind == "http" ? "HTTP" : "Pub/Sub push"})"
  # "" when images.sh built none for it: the module refuses that, naming the function.
  image                 = lookup(var.images, each.key, "")
  service_account_email = module.service_accounts.emails["fn-${each.key}"]
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
