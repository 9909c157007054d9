# One service account per function, holding only what that function uses; a push identity per
# event function; the builder of the functions' images; and the deployer that applies this
# configuration from Cloud Build. Resource-level grants (secrets, topics, invokers) live with
# their resources; only what has no narrower scope is granted on the project.
locals {
  # A function's only project roles, narrowed to this environment's instance by a condition:
  # the Cloud SQL connector connects with the first and signs in as the function's IAM database
  # user with the second. Everything else a function may do is granted on the resource (its
  # secrets, the events topic).
  function_project_roles = ["roles/cloudsql.client", "roles/cloudsql.instanceUser"]

  # Building a function's image from its bundle: logs, the image registry, reading the source.
  builder_project_roles = [
    "roles/artifactregistry.writer",
    "roles/logging.logWriter",
    "roles/storage.objectViewer",
  ]

  # What applying this configuration takes (the deployer is the most privileged identity here,
  # by necessity), plus running the pipeline: build logs, the migration's Cloud SQL connection.
  deployer_roles = [
    "roles/artifactregistry.reader",
    "roles/cloudbuild.builds.editor",
    "roles/cloudbuild.connectionViewer",
    "roles/cloudfunctions.admin",
    "roles/cloudscheduler.admin",
    "roles/cloudsql.admin",
    "roles/compute.networkAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/logging.logWriter",
    "roles/pubsub.admin",
    "roles/resourcemanager.projectIamAdmin",
    "roles/run.admin",
    "roles/secretmanager.admin",
    "roles/servicenetworking.networksAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
    "roles/vpcaccess.admin",
  ]
  deployer_may_act_as = { "roles/iam.serviceAccountUser" = [local.deployer_member] }
}

module "service_accounts" {
  source     = "./modules/service-accounts"
  project_id = var.project_id
  accounts = merge(
    {
      for name, f in local.function_declarations : "fn-${name}" => {
        account_id   = local.ids.function[name]
        display_name = "manifest ${name} function"
        description  = "Runs the ${name} function (${f.kind})."
        project_roles = [for role in local.function_project_roles : {
          role = role
          condition = {
            title      = "manifest-instance-only"
            expression = "resource.name == \"projects/${var.project_id}/instances/${local.names.sql_instance}\""
          }
        }]
        iam = local.deployer_may_act_as
      }
    },
    {
      for name, f in local.event_functions : "push-${name}" => {
        account_id   = local.ids.push[name]
        display_name = "Pub/Sub push to ${name}"
        description  = "The OIDC identity of ${name}'s push subscription; may only invoke ${name}."
        iam = merge(local.deployer_may_act_as, {
          # Pub/Sub mints the push's OIDC tokens as this account.
          "roles/iam.serviceAccountTokenCreator" = [local.pubsub_service_agent]
        })
      }
    },
    {
      function-builder = {
        account_id    = local.ids.function_builder
        display_name  = "manifest function builder"
        description   = "Builds the functions' images from their bundles (Cloud Build, for Cloud Functions)."
        project_roles = [for role in local.builder_project_roles : { role = role }]
        iam           = local.deployer_may_act_as
      }
      deployer = {
        account_id    = local.ids.deployer
        display_name  = "manifest deployer"
        description   = "Runs cloudbuild.yaml for ${var.environment}: tests, migrations, terraform apply."
        project_roles = [for role in local.deployer_roles : { role = role }]
        # The deployer's own triggers run as the deployer.
        iam = local.deployer_may_act_as
      }
    },
  )
  depends_on = [google_project_service.enabled]
}
