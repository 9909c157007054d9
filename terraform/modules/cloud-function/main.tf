locals {
  memory_mib = (
    endswith(var.sizing.memory, "Gi")
    ? tonumber(trimsuffix(var.sizing.memory, "Gi")) * 1024
    : tonumber(trimsuffix(var.sizing.memory, "Mi"))
  )
  # V8's old generation capped at 3/8 of the instance: under load it collects sooner instead of
  # growing into the instance's limit (npm run bench: people peaks near 130 MiB in 256 MiB).
  # The pool is part of the sizing (DB_POOL_MAX): it must fit the instance's concurrency and the
  # database's connection budget, so nothing else sets it.
  environment_variables = merge(var.environment_variables, {
    NODE_OPTIONS = trimspace("${lookup(var.environment_variables, "NODE_OPTIONS", "")} --max-old-space-size=${floor(local.memory_mib * 3 / 8)}")
    DB_POOL_MAX  = tostring(var.sizing.db_pool_max)
  })
  # A push function is reachable only from inside Google Cloud (Pub/Sub pushes are internal).
  ingress = var.trigger.push != null ? "ALLOW_INTERNAL_ONLY" : "ALLOW_ALL"
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = merge(var.labels, { function = var.name, trigger = var.trigger.push != null ? "pubsub-push" : "http" })

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
    environment_variables            = local.environment_variables
    ingress_settings                 = local.ingress
    all_traffic_on_latest_revision   = true
    service_account_email            = var.service_account_email
    vpc_connector                    = var.vpc_connector
    vpc_connector_egress_settings    = var.vpc_connector == null ? null : "PRIVATE_RANGES_ONLY"
  }
}
