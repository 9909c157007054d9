# PostgreSQL on Cloud SQL: a private IP the functions reach over the VPC connector, and no
# authorized network (see modules/cloud-sql-postgres).
module "database" {
  source     = "./modules/cloud-sql-postgres"
  project_id = var.project_id
  region     = var.region
  name       = local.names.sql_instance
  labels     = local.labels
  instance   = var.database.instance
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
