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
  # No sizing.cpu: the share Cloud Run functions gives the memory
  # (https://cloud.google.com/functions/docs/configuring/memory; a memory between two rows gets
  # the larger row's), as shared/deploy/sizing.ts and the benchmark model it. A plain Cloud Run
  # service would get a whole CPU instead.
  default_cpu_by_memory = [
    { mib = 128, cpu = "0.083" },
    { mib = 256, cpu = "0.167" },
    { mib = 512, cpu = "0.333" },
    { mib = 1024, cpu = "0.583" },
    { mib = 2048, cpu = "1" },
    { mib = 4096, cpu = "2" },
    { mib = 8192, cpu = "2" },
    { mib = 16384, cpu = "4" },
    { mib = 32768, cpu = "8" },
  ]
  cpu = coalesce(var.sizing.cpu, [for row in local.default_cpu_by_memory : row.cpu if row.mib >= local.memory_mib]...)
  # A push function is reachable only from inside Google Cloud (Pub/Sub pushes are internal).
  ingress = var.trigger.push != null ? "INGRESS_TRAFFIC_INTERNAL_ONLY" : "INGRESS_TRAFFIC_ALL"
  # A public function is one Cloud Run does not check invokers for: no allUsers binding, which
  # organisations with domain-restricted sharing refuse. Only a read-only HTTP function may be
  # (var.trigger's validation; terraform/README.md, Decisions).
  public = var.trigger.http != null ? var.trigger.http.public && var.trigger.http.read_only : false
}

# A Cloud Run function: the service runs the image the pipeline built from the function's
# bundle with Google Cloud's buildpacks (scripts/pipeline/images.sh: the Node.js functions
# framework, this function as the target), named by its digest, so the plan an approver reads
# deploys exactly that image.
resource "google_cloud_run_v2_service" "this" {
  project              = var.project_id
  location             = var.region
  name                 = var.name
  description          = var.description
  labels               = merge(var.labels, { function = var.name, trigger = var.trigger.push != null ? "pubsub-push" : "http" })
  ingress              = local.ingress
  invoker_iam_disabled = local.public
  # Functions hold no data: replacing one is a deploy.
  deletion_protection = false

  template {
    service_account                  = var.service_account_email
    timeout                          = "${var.sizing.timeout_seconds}s"
    max_instance_request_concurrency = var.sizing.concurrency
    scaling {
      min_instance_count = var.sizing.min_instances
      max_instance_count = var.sizing.max_instances
    }
    containers {
      image = var.image
      resources {
        # CPU only while a request is in flight (cpu_idle), as the throttled harness assumes
        # (test/support/throttled.ts).
        limits            = { cpu = local.cpu, memory = var.sizing.memory }
        cpu_idle          = true
        startup_cpu_boost = false
      }
      dynamic "env" {
        for_each = local.environment_variables
        content {
          name  = env.key
          value = env.value
        }
      }
    }
    dynamic "vpc_access" {
      for_each = var.vpc_connector == null ? [] : [var.vpc_connector]
      content {
        connector = vpc_access.value
        egress    = "PRIVATE_RANGES_ONLY"
      }
    }
  }

  traffic {
    type    = "TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST"
    percent = 100
  }
}
