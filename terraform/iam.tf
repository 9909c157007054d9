# One service account per function, holding only what that function uses; a push identity per
# event function; the planner that tests, builds the functions' images and plans every push
# (read-only, but for pushing images); and the deployer that applies a saved plan. Resource-level grants (secrets,
# topics, invokers, the pipeline bucket) live with their resources; only what has no narrower
# scope is granted on the project.
locals {
  # A function's only project roles, narrowed to this environment's instance by a condition:
  # the Cloud SQL connector connects with the first and signs in as the function's IAM database
  # user with the second. Everything else a function may do is granted on the resource (its
  # secrets, the events topic).
  function_project_roles = ["roles/cloudsql.client", "roles/cloudsql.instanceUser"]

  # The roles of the function-builder account that built the images for Cloud Functions, before
  # the functions became Cloud Run services: still grantable so that the deployer may revoke
  # them when that account goes. Delete once every environment has applied the switch.
  retired_project_roles = [
    "roles/artifactregistry.writer",
    "roles/logging.logWriter",
    "roles/storage.objectViewer",
  ]

  # What `terraform plan` reads (it refreshes every resource) and a plan build does: each
  # service's viewer role, the IAM policies (securityReviewer), the state (objectViewer), the
  # build's own logs. Nothing that changes anything: every push of every branch runs as this
  # account, feature branches included.
  planner_project_roles = [
    "roles/artifactregistry.reader",
    "roles/cloudbuild.builds.viewer",
    # Refreshing the Cloud Functions the switch to Cloud Run services destroys (terraform/README.md,
    # Decisions); drop with local.retired_project_roles.
    "roles/cloudfunctions.viewer",
    "roles/cloudscheduler.viewer",
    "roles/cloudsql.viewer",
    "roles/compute.networkViewer",
    "roles/iam.securityReviewer",
    "roles/logging.logWriter",
    "roles/logging.viewer",
    "roles/monitoring.viewer",
    "roles/pubsub.viewer",
    "roles/run.viewer",
    "roles/secretmanager.viewer",
    "roles/serviceusage.serviceUsageViewer",
    "roles/storage.bucketViewer",
    "roles/storage.objectViewer",
    "roles/vpcaccess.viewer",
  ]

  # What applying this configuration takes (the deployer is the most privileged identity here,
  # by necessity), plus running the apply build: build logs and its own approval, the
  # repository's history (readTokenAccessor: is this commit newer than the deployed one?), the
  # migration's Cloud SQL connection. Project IAM only through the condition below.
  deployer_roles = [
    "roles/artifactregistry.admin",
    "roles/cloudbuild.builds.editor",
    "roles/cloudbuild.connectionViewer",
    "roles/cloudbuild.readTokenAccessor",
    # Destroying the Cloud Functions the switch replaces; drop with local.retired_project_roles.
    "roles/cloudfunctions.admin",
    "roles/cloudscheduler.admin",
    "roles/cloudsql.admin",
    "roles/compute.networkAdmin",
    "roles/iam.serviceAccountAdmin",
    "roles/logging.configWriter",
    "roles/logging.logWriter",
    "roles/monitoring.editor",
    "roles/pubsub.admin",
    "roles/run.admin",
    "roles/secretmanager.admin",
    "roles/servicenetworking.networksAdmin",
    "roles/serviceusage.serviceUsageAdmin",
    "roles/storage.admin",
    "roles/vpcaccess.admin",
  ]

  # The project roles the deployer may grant or revoke, and no other: its
  # roles/resourcemanager.projectIamAdmin is conditioned on them (modifiedGrantsByRole), so no
  # build can hand out owner, an admin role, or anything this configuration does not grant
  # itself. The deployer's and the planner's own bindings are not in it: a change to those is
  # applied by a project administrator (README: Deploy), never by the pipeline.
  pipeline_grantable_roles = concat(
    local.function_project_roles,
    local.retired_project_roles,
    ["roles/cloudbuild.builds.approver"],
  )
  deployer_project_roles = concat(
    [for role in local.deployer_roles : { role = role, condition = null }],
    [{
      role = "roles/resourcemanager.projectIamAdmin"
      condition = {
        title       = "manifest-pipeline-grants-only"
        description = "Grant or revoke only the project roles this configuration hands out (terraform/iam.tf)."
        expression  = "api.getAttribute('iam.googleapis.com/modifiedGrantsByRole', []).hasOnly(${jsonencode(local.pipeline_grantable_roles)})"
      }
    }],
  )

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
      planner = {
        account_id    = local.ids.planner
        display_name  = "manifest planner"
        description   = "Runs cloudbuild.yaml for ${var.environment} on every push: tests, the functions' images, terraform plan (read-only)."
        project_roles = [for role in local.planner_project_roles : { role = role }]
        # The plan triggers (created by the deployer) run as the planner.
        iam = local.deployer_may_act_as
      }
      deployer = {
        account_id    = local.ids.deployer
        display_name  = "manifest deployer"
        description   = "Runs cloudbuild-apply.yaml for ${var.environment}: migrations, terraform apply of the saved plan."
        project_roles = local.deployer_project_roles
        iam = merge(local.deployer_may_act_as, {
          # The apply build's smoke test calls people with the deployer's ID token, which Cloud
          # Build mints (metadata server) only for an account that may mint its own.
          "roles/iam.serviceAccountOpenIdTokenCreator" = [local.deployer_member]
        })
      }
    },
  )
  depends_on = [google_project_service.enabled]
}
