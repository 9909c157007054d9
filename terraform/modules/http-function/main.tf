# An HTTP function: reachable from the internet (ingress ALLOW_ALL), invoked by the members in
# var.invokers, and by everyone only when it is read-only and var.public says so.
module "function" {
  source                = "../cloud-function"
  project_id            = var.project_id
  region                = var.region
  name                  = var.name
  description           = var.description
  bundle                = var.bundle
  service_account_email = var.service_account_email
  build_service_account = var.build_service_account
  environment_variables = var.environment_variables
  sizing                = var.sizing
  vpc_connector         = var.vpc_connector
  labels                = merge(var.labels, { trigger = "http" })
  ingress               = "ALLOW_ALL"
  invokers              = merge(var.invokers, var.public && var.read_only ? { public = "allUsers" } : {})
}
