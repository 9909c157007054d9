resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = merge(var.labels, { function = var.name })

  build_config {
    runtime         = var.runtime
    entry_point     = var.name
    service_account = var.build_service_account
    source {
      storage_source {
        bucket = google_storage_bucket_object.bundle.bucket
        object = google_storage_bucket_object.bundle.name
      }
    }
  }

  service_config {
    available_memory                 = var.sizing.memory
    available_cpu                    = var.sizing.cpu
    timeout_seconds                  = var.sizing.timeout_seconds
    min_instance_count               = var.sizing.min_instances
    max_instance_count               = var.sizing.max_instances
    max_instance_request_concurrency = var.sizing.concurrency
    environment_variables            = var.environment_variables
    ingress_settings                 = var.ingress
    all_traffic_on_latest_revision   = true
    service_account_email            = var.service_account_email
    vpc_connector                    = var.vpc_connector
    vpc_connector_egress_settings    = var.vpc_connector == null ? null : "PRIVATE_RANGES_ONLY"
  }
}
