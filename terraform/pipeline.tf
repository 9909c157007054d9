# Deployment (README: Deploy). Every push of an environment's branches starts two builds:
# - plan (cloudbuild.yaml, as the planner, which can change nothing but push images): tests,
#   bundles, builds and pushes each function's image, and saves `terraform plan` (with the
#   images' digests) under plans/<commit> in the pipeline bucket, once;
# - apply (cloudbuild-apply.yaml, as the deployer; in production only once someone listed in
#   deploy_pipeline.approvers approves it): takes the environment's lock, applies exactly that
#   saved plan (refusing one saved after the approval, or a commit older than the deployed one),
#   records the deployed commit under deployments/current.
# The state lives in a bucket of the environment's own project (created once by hand, README:
# Deploy); no environment's deployer can read another's.

resource "google_storage_bucket" "pipeline" {
  project                     = var.project_id
  name                        = local.names.pipeline_bucket
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.environment != "production"
  labels                      = local.labels
  # deployments/current keeps one version per deploy: `gcloud storage ls -a` is the history.
  versioning {
    enabled = true
  }
  # A plan is for the apply build of its commit, which runs within the hour.
  lifecycle_rule {
    condition {
      age            = 30
      matches_prefix = ["plans/"]
      with_state     = "ANY"
    }
    action {
      type = "Delete"
    }
  }
  # The last 100 deploys stay listed.
  lifecycle_rule {
    condition {
      num_newer_versions = 100
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
  depends_on = [google_project_service.enabled]
}

# The planner creates plans and can neither replace nor delete one (objectCreator has no
# storage.objects.delete): the plan an approver read is the plan applied. The deployer reads
# and writes the bucket through roles/storage.admin.
resource "google_storage_bucket_iam_binding" "plan_writers" {
  bucket  = google_storage_bucket.pipeline.name
  role    = "roles/storage.objectCreator"
  members = [module.service_accounts.members["planner"]]
}

module "plan_triggers" {
  source          = "./modules/cloudbuild-triggers"
  count           = var.deploy_pipeline == null ? 0 : 1
  project_id      = var.project_id
  repository      = var.deploy_pipeline.repository
  filename        = "cloudbuild.yaml"
  service_account = module.service_accounts.ids["planner"]
  triggers = {
    for key, branch in module.naming.branch_patterns : key => {
      name        = module.naming.trigger_names[key].plan
      branch      = branch
      description = "Test and plan ${var.environment} from ${branch}"
    }
  }
  # cloudbuild.yaml declares each of these (test/infra/cloudbuild.test.ts checks both ways).
  substitutions = {
    _ENV             = var.environment
    _PIPELINE_BUCKET = google_storage_bucket.pipeline.name
    _IMAGES          = "${google_artifact_registry_repository.images.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.images.repository_id}"
  }
}

module "apply_triggers" {
  source          = "./modules/cloudbuild-triggers"
  count           = var.deploy_pipeline == null ? 0 : 1
  project_id      = var.project_id
  repository      = var.deploy_pipeline.repository
  filename        = "cloudbuild-apply.yaml"
  service_account = module.service_accounts.ids["deployer"]
  triggers = {
    for key, branch in module.naming.branch_patterns : key => {
      name              = module.naming.trigger_names[key].apply
      branch            = branch
      description       = "Apply the saved plan of ${var.environment} from ${branch}"
      approval_required = var.deploy_pipeline.approval_required
    }
  }
  # cloudbuild-apply.yaml declares each of these (test/infra/cloudbuild.test.ts checks both ways).
  substitutions = {
    _ENV                      = var.environment
    _PIPELINE_BUCKET          = google_storage_bucket.pipeline.name
    _REPOSITORY               = var.deploy_pipeline.repository
    _SQL_INSTANCE             = module.database.connection_name
    _DATABASE_NAME            = module.database.database
    _DATABASE_USER            = module.database.user
    _DATABASE_PASSWORD_SECRET = module.secrets.secret_ids["DATABASE_PASSWORD"]
  }
}

# Who may approve a build that waits for one (production's apply builds): the people listed in
# the environment's tfvars, and nobody else (authoritative for the role).
resource "google_project_iam_binding" "build_approvers" {
  count   = length(try(var.deploy_pipeline.approvers, [])) > 0 ? 1 : 0
  project = var.project_id
  role    = "roles/cloudbuild.builds.approver"
  members = var.deploy_pipeline.approvers
}
