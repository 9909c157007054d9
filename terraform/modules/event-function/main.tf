# A function that receives Pub/Sub messages from an explicit push subscription (see
# modules/pubsub-push-subscription), not a trigger's built-in one: Terraform cannot give the
# built-in subscription a dead-letter topic. It is reachable only from inside Google Cloud
# (ingress ALLOW_INTERNAL_ONLY admits Pub/Sub pushes) and invoked only by its push identity.
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
  labels                = merge(var.labels, { trigger = "pubsub-push" })
  ingress               = "ALLOW_INTERNAL_ONLY"
  invokers              = { push = "serviceAccount:${var.push_service_account_email}" }
}
