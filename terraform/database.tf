# PostgreSQL on Cloud SQL: a private IP the functions reach over the VPC connector, and no
# authorized network (see modules/cloud-sql-postgres). Its built-in user owns the schema and
# runs the migrations (the pipeline); the functions sign in as their own IAM users, below.
module "database" {
  source     = "./modules/cloud-sql-postgres"
  project_id = var.project_id
  region     = var.region
  name       = local.names.sql_instance
  labels     = local.labels
  # IAM database authentication, for the functions' users.
  instance = merge(var.database.instance, {
    flags = merge(try(var.database.instance.flags, {}), { "cloudsql.iam_authentication" = "on" })
  })
  network = {
    private_network = module.network.private_network
    public_ip       = var.database.public_ip
  }
  database = {
    password_secret  = module.secrets.ids["DATABASE_PASSWORD"]
    password_version = var.database.password_version
  }
  depends_on = [google_project_service.enabled]
}

# Each function signs in to the database as its own service account (IAM database
# authentication: no password to store, rotate or leak). Cloud SQL creates these users with no
# privileges at all, outside cloudsqlsuperuser; the pipeline makes each a member of
# manifest_runtime (npm run migrate:grant-runtime, which refuses a user that could do more):
# the rows of the application's tables, never the schema (shared/db/roles.ts).
resource "google_sql_user" "functions" {
  for_each = local.function_declarations
  project  = var.project_id
  instance = split(":", module.database.connection_name)[2]
  name     = trimsuffix(module.service_accounts.emails["fn-${each.key}"], ".gserviceaccount.com")
  type     = "CLOUD_IAM_SERVICE_ACCOUNT"
}

# The connection budget (terraform/README.md, Connection budget): every connection the functions
# may hold at once, the sum over functions of max_instances × db_pool_max, plus these, must fit
# max_connections. A plan that breaks it fails (output connection_budget); offline,
# test/infra/connection-budget.test.ts checks each environment's tfvars.
locals {
  reserved_connections = {
    # superuser_reserved_connections (PostgreSQL's default, kept by Cloud SQL for its own
    # administration): ordinary users can never take these.
    superuser = 3
    # The pipeline's migrations (npm run migrate, then migrate:grant-runtime, through the Auth
    # Proxy) run while the functions serve: one process with the code's default DB_POOL_MAX.
    pipeline = 5
  }
  function_connections = { for name, f in module.functions : name => f.max_connections }
}
