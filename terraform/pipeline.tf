# Deployment: the Cloud Build triggers that run cloudbuild.yaml for this environment's branches,
# as the deployer. The state lives in a bucket of the environment's own project (created once by
# hand, README: Deploy), which the deployer reaches through roles/storage.admin there; no
# environment's deployer can read another's state.
module "deploy_triggers" {
  source          = "./modules/cloudbuild-triggers"
  count           = var.deploy_pipeline == null ? 0 : 1
  project_id      = var.project_id
  repository      = var.deploy_pipeline.repository
  service_account = module.service_accounts.ids["deployer"]
  triggers = {
    for key, branch in module.naming.branch_patterns : key => {
      name              = module.naming.trigger_names[key]
      branch            = branch
      description       = "Test, build and deploy ${var.environment} from ${branch}"
      approval_required = var.deploy_pipeline.approval_required
    }
  }
  # cloudbuild.yaml declares each of these (test/infra/cloudbuild.test.ts checks both ways).
  substitutions = {
    _ENV                      = var.environment
    _SQL_INSTANCE             = module.database.connection_name
    _DATABASE_NAME            = module.database.database
    _DATABASE_USER            = module.database.user
    _DATABASE_PASSWORD_SECRET = module.secrets.secret_ids["DATABASE_PASSWORD"]
  }
}
