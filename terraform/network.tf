module "network" {
  source     = "./modules/network"
  project_id = var.project_id
  region     = var.region
  name       = local.names.network
  connector = {
    name          = local.names.vpc_connector
    ip_cidr_range = var.connector_cidr
  }
  depends_on = [google_project_service.enabled]
}
