module "naming" {
  source      = "./modules/naming"
  environment = var.environment
  project_id  = var.project_id
  functions   = keys(local.function_declarations)
}

data "google_project" "this" {
  project_id = var.project_id
}

locals {
  labels = module.naming.labels
  names  = module.naming.names
  ids    = module.naming.service_account_ids

  # Spelled out from the account id (known before the account exists), so that grants on other
  # accounts of the same module call can name it.
  deployer_member      = "serviceAccount:${local.ids.deployer}@${var.project_id}.iam.gserviceaccount.com"
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
  # Calls a private health function for the uptime check (modules/monitoring).
  monitoring_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-monitoring-notification.iam.gserviceaccount.com"

  event_functions = { for name, f in local.function_declarations : name => f if f.kind == "event" }
}

# Every API the configuration uses. Enabling them takes Service Usage, Resource Manager and IAM
# to be enabled already: the bootstrap does that by hand (README: Deploy, step 2;
# test/infra/bootstrap.test.ts).
resource "google_project_service" "enabled" {
  for_each = toset(concat([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "compute.googleapis.com",
    "iam.googleapis.com",
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "servicenetworking.googleapis.com",
    "serviceusage.googleapis.com",
    "sqladmin.googleapis.com",
    "storage.googleapis.com",
    "vpcaccess.googleapis.com",
  ], var.monitoring.budget == null ? [] : ["billingbudgets.googleapis.com"]))
  project            = var.project_id
  service            = each.value
  disable_on_destroy = false
}
