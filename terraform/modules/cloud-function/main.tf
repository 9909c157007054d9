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
  ingress = var.trigger.push != null ? "INGRESS_TRAFFIC_INTERNAL_ONLY" : "INGRESS_TRAFFIC_ALL"
  # Cloud Run's build of a function: Google's buildpacks on the runtime's base image, which
  # Cloud Run keeps patched (automatic base image updates).
  base_image = "${var.region}-docker.pkg.dev/serverless-runtimes/google-22/runtimes/${var.runtime}"
  image      = "${var.region}-docker.pkg.dev/${var.project_id}/${var.image_repository}/${var.name}"
  # With no cpu set, what Cloud Functions gives the memory: the first row at or above it of
  # https://cloud.google.com/functions/docs/configuring/memory (test/support/sizing.ts restates
  # it for the throttled harness; test/infra/launcher-flags.test.ts checks they agree).
  cpu_by_memory = [
    [128, "0.083"], [256, "0.167"], [512, "0.333"], [1024, "0.583"], [2048, "1"],
    [4096, "2"], [8192, "2"], [16384, "4"], [32768, "8"],
  ]
  cpu = coalesce(var.sizing.cpu, [for row in local.cpu_by_memory : row[1] if row[0] >= local.memory_mib][0])
}

# A Cloud Run function: a Cloud Run service that Cloud Run builds from the bundle (build_config),
# so that everything Cloud Run offers is set here: the invoker IAM check, request-based CPU,
# startup CPU boost, the CPU and concurrency of the sizing.
resource "google_cloud_run_v2_service" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = merge(var.labels, { function = var.name, trigger = var.trigger.push != null ? "pubsub-push" : "http" })
  ingress     = local.ingress
  # A public read-only function takes requests without an identity token: Cloud Run's invoker
  # check is off, so no allUsers binding is needed (which domain-restricted sharing refuses).
  invoker_iam_disabled = try(var.trigger.http.public && var.trigger.http.read_only, false)
  # A function holds no data; replacing it must not need a second apply.
  deletion_protection = false

  build_config {
    source_location          = "gs://${google_storage_bucket_object.bundle.bucket}/${google_storage_bucket_object.bundle.name}"
    function_target          = var.name
    image_uri                = local.image
    base_image               = local.base_image
    enable_automatic_updates = true
    service_account          = var.build_service_account
  }

  template {
    service_account                  = var.service_account_email
    timeout                          = "${var.sizing.timeout_seconds}s"
    max_instance_request_concurrency = var.sizing.concurrency
    scaling {
      min_instance_count = var.sizing.min_instances
      max_instance_count = var.sizing.max_instances
    }
    dynamic "vpc_access" {
      for_each = var.vpc_connector == null ? [] : [var.vpc_connector]
      content {
        connector = vpc_access.value
        egress    = "PRIVATE_RANGES_ONLY"
      }
    }
    containers {
      image          = local.image
      base_image_uri = local.base_image
      resources {
        limits = { cpu = local.cpu, memory = var.sizing.memory }
        # CPU only while a request is in flight (request-based billing), as the code expects:
        # nothing that matters runs after an answer (README, Events).
        cpu_idle = true
        # More CPU while an instance starts (startup boost): a cold start is mostly loading the bundle.
        startup_cpu_boost = true
      }
      dynamic "env" {
        for_each = local.environment_variables
        content {
          name  = env.key
          value = env.value
        }
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }

  lifecycle {
    # Cloud Run sets the image it built from build_config; a new bundle is a new build_config.
    ignore_changes = [template[0].containers[0].image]
  }
}
