# API_KEYS and DATABASE_PASSWORD live in Secret Manager; functions get sm:// references.
# Each function's account reads exactly the secrets its declaration lists; the deployer reads
# the database password (the schema owner's, which no function has) for the pipeline's
# migration step. API_KEYS starts with one generated
# key labelled "bootstrap" (read it with gcloud secrets versions access latest --secret=...);
# the database password is written by modules/cloud-sql-postgres with the user's.
module "secrets" {
  source              = "./modules/secrets"
  project_id          = var.project_id
  labels              = local.labels
  deletion_protection = var.environment == "production"
  secrets = {
    for setting in local.secret_settings : setting => {
      secret_id = local.names.secrets[setting]
      iam = {
        "roles/secretmanager.secretAccessor" = concat(
          [for name, f in local.function_declarations : module.service_accounts.members["fn-${name}"] if contains(f.secrets, setting)],
          setting == "DATABASE_PASSWORD" ? [module.service_accounts.members["deployer"]] : [],
        )
      }
      seed = setting == "API_KEYS" ? { prefix = "bootstrap=" } : null
    }
  }
  depends_on = [google_project_service.enabled]
}
