variable "project_id" {
  description = "The environment's Google Cloud project (one project per environment)."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of the functions, the database, the connector, the scheduler and the build triggers."
  type        = string
  default     = "europe-west1"
  nullable    = false
}

variable "environment" {
  description = "production, testing or development (modules/naming refuses anything else): the app's APP_ENV, and which branches deploy here."
  type        = string
  nullable    = false
}

variable "functions" {
  description = <<-EOT
    Per function (keys: folders of functions/), for this environment: sizing, passed whole to
    modules/cloud-function (memory, cpu, timeout_seconds, min_instances, max_instances,
    concurrency, db_pool_max; its defaults and validations); public (anyone may invoke it:
    Cloud Run's invoker check is off, invoker_iam_disabled, with no allUsers member; read-only
    HTTP functions only); invokers (IAM members that may call an HTTP function). Omitted
    functions get the defaults.
  EOT
  type = map(object({
    sizing   = optional(any, {})
    public   = optional(bool, false)
    invokers = optional(list(string), [])
  }))
  default  = {}
  nullable = false
  validation {
    condition     = length(setsubtract(keys(var.functions), keys(local.function_declarations))) == 0
    error_message = "functions names ${join(", ", setsubtract(keys(var.functions), keys(local.function_declarations)))}, which no function of functions/ is; known: ${join(", ", keys(local.function_declarations))}."
  }
  validation {
    condition     = alltrue([for name, f in var.functions : !f.public || try(local.function_declarations[name].read_only && local.function_declarations[name].kind == "http", false)])
    error_message = "Only read-only HTTP functions may be public; ${join(", ", [for name, f in var.functions : name if f.public && !try(local.function_declarations[name].read_only && local.function_declarations[name].kind == "http", false)])} must not be: remove public = true and list the callers' identities in invokers."
  }
  validation {
    condition     = alltrue([for f in values(var.functions) : length(setintersection(f.invokers, ["allUsers", "allAuthenticatedUsers"])) == 0])
    error_message = "invokers cannot open a function to everyone: set public = true on a read-only function instead."
  }
}

variable "images" {
  description = <<-EOT
    Each function's container image, by function name, named by its digest: the plan build
    builds and pushes them (scripts/pipeline/images.sh build, then digests, which writes this
    variable as a tfvars file) before `terraform plan`, so the saved plan applies exactly those
    images. A function without one is refused when its module is planned (so that a targeted
    apply of the image repository, README Deploy step 4, needs none). By hand: README, Deploy.
  EOT
  type        = map(string)
  default     = {}
  nullable    = false
  validation {
    condition     = alltrue([for image in values(var.images) : can(regex("@sha256:[0-9a-f]{64}$", image))])
    error_message = "images must name each image by its digest (...@sha256:<64 hex>), as scripts/pipeline/images.sh writes them: a tag can move between the plan and the apply."
  }
}

variable "settings" {
  description = "App settings to override in this environment (e.g. LOG_LEVEL = \"debug\"); only the tunable ones in local.setting_defaults."
  type        = map(string)
  default     = {}
  nullable    = false
  validation {
    condition     = length(setsubtract(keys(var.settings), keys(local.setting_defaults))) == 0
    error_message = "settings may override only ${join(", ", keys(local.setting_defaults))}; the rest (database, topics, secrets, APP_ENV) come from this configuration."
  }
}

variable "database" {
  description = <<-EOT
    The Cloud SQL instance of this environment. instance: passed whole to modules/cloud-sql-postgres
    (tier, availability_type, disk_size_gb, backups, point_in_time_recovery, deletion_protection,
    ..., and max_connections, required: the connection budget's limit; its defaults and
    validations). public_ip: also give it a public IP with no authorized
    network (the module's default: true). password_version: increment it to rotate the
    application user's password.
  EOT
  type = object({
    instance         = optional(any, {})
    public_ip        = optional(bool)
    password_version = optional(number)
  })
  default  = {}
  nullable = false
}

variable "connector_cidr" {
  description = "The /28 range of the functions' Serverless VPC Access connector."
  type        = string
  default     = "10.8.0.0/28"
  nullable    = false
}

variable "relay_schedule" {
  description = "How often Cloud Scheduler ticks relay-outbox (cron)."
  type        = string
  default     = "* * * * *"
  nullable    = false
}

variable "deploy_pipeline" {
  description = <<-EOT
    The Cloud Build triggers that plan and apply this environment when its branches are pushed
    (modules/naming maps branches to environments; README: Deploy). repository: a Cloud Build
    2nd-gen repository id, projects/<p>/locations/<region>/connections/<c>/repositories/<r>;
    approval_required: each apply build waits for an approval of its saved plan; approvers: the
    IAM members (user:, group:) who may approve (roles/cloudbuild.builds.approver), required
    when approval_required. Null: no triggers (deploy with terraform apply only).
  EOT
  type = object({
    repository        = string
    approval_required = optional(bool, false)
    approvers         = optional(list(string), [])
  })
  default = null
  validation {
    condition     = var.deploy_pipeline == null || !try(var.deploy_pipeline.approval_required, false) || length(try(var.deploy_pipeline.approvers, [])) > 0
    error_message = "deploy_pipeline.approval_required needs deploy_pipeline.approvers: list who may approve a deploy (e.g. [\"group:release-managers@example.com\"]), or no build could ever be approved but by an owner."
  }
  validation {
    condition     = var.deploy_pipeline == null || alltrue([for m in try(var.deploy_pipeline.approvers, []) : can(regex("^(user|group|serviceAccount|domain):.+$", m))])
    error_message = "deploy_pipeline.approvers are IAM members: user:<email>, group:<email>, serviceAccount:<email> or domain:<domain>."
  }
}

variable "monitoring" {
  description = <<-EOT
    Alerting, passed to modules/monitoring (which owns the types, defaults and validations).
    notification_channels: where alerts go, by a name of your choice, each { email = "..." },
    { webhook = "https://..." } or { existing = "projects/<p>/notificationChannels/<id>" }
    (README, Operating manifest). thresholds: when each alert fires (minutes and ratios, e.g.
    { http_5xx_ratio = 0.02 }). budget: { billing_account, amount, currency_code, thresholds }
    for a monthly budget alert on this project; null for none.
  EOT
  type = object({
    notification_channels = optional(any, {})
    thresholds            = optional(any, {})
    budget                = optional(any)
  })
  default  = {}
  nullable = false
}
