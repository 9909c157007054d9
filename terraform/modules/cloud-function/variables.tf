variable "project_id" {
  description = "Project the function is deployed in."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region the function runs in."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Function name: its folder in functions/, the target it registers with functions-framework (the entry point), and the Cloud Run service name."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,48}[a-z0-9]$", var.name))
    error_message = "name must be lowercase letters, digits and hyphens (2-50), starting with a letter: Cloud Run service names allow nothing else."
  }
}

variable "description" {
  description = "What the function does, shown in the console."
  type        = string
  default     = ""
  nullable    = false
}

variable "image" {
  description = "The function's container image, built by the pipeline from dist/functions/<name> with Google Cloud's buildpacks (scripts/pipeline/images.sh), named by its digest: REGION-docker.pkg.dev/PROJECT/REPOSITORY/NAME@sha256:HEX."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^[a-z0-9-]+-docker\\.pkg\\.dev/[a-z0-9-]+/[a-z0-9-]+/[a-z0-9-]+@sha256:[0-9a-f]{64}$", var.image))
    error_message = "Function ${var.name} needs its image named by its digest (REGION-docker.pkg.dev/PROJECT/REPOSITORY/${var.name}@sha256:...), not \"${var.image}\": plan with the tfvars file scripts/pipeline/images.sh writes (README, Deploy). A tag could move between the plan and the apply."
  }
}

variable "service_account_email" {
  description = "The identity the function runs as (one per function, holding only what it uses)."
  type        = string
  nullable    = false
}

variable "environment_variables" {
  description = "Environment variables of the running function (settings; secrets as sm:// references)."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "sizing" {
  description = <<-EOT
    Resources and scaling, the one definition of sizing (the root module's var.functions passes
    each function's through whole; terraform/README.md, Sizing, gives each function's and why):
    memory (256Mi, 1Gi, ...); cpu (vCPUs; null: the share Cloud Run functions gives the
    memory, 0.167 at 256Mi); timeout in seconds; instance bounds; concurrency (requests one instance serves at
    once); db_pool_max (the database connections one instance may open: its DB_POOL_MAX, and its
    share of the connection budget, max_instances × db_pool_max).
  EOT
  type = object({
    memory          = optional(string, "256Mi")
    cpu             = optional(string)
    timeout_seconds = optional(number, 60)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
    concurrency     = optional(number, 1)
    db_pool_max     = optional(number, 1)
  })
  default  = {}
  nullable = false
  validation {
    condition     = can(regex("^[0-9]+(Mi|Gi)$", var.sizing.memory))
    error_message = "sizing.memory must be a whole number of Mi or Gi, like \"256Mi\" or \"1Gi\"."
  }
  validation {
    condition     = var.sizing.min_instances >= 0 && var.sizing.max_instances >= 1 && var.sizing.min_instances <= var.sizing.max_instances
    error_message = "sizing needs 0 <= min_instances <= max_instances and max_instances >= 1."
  }
  validation {
    condition     = var.sizing.timeout_seconds >= 1 && var.sizing.timeout_seconds <= 3600
    error_message = "sizing.timeout_seconds must be 1 to 3600 (Cloud Run's request timeout limit)."
  }
  validation {
    condition     = var.sizing.concurrency == 1 || try(tonumber(var.sizing.cpu) >= 1, false)
    error_message = "sizing.concurrency above 1 needs at least one whole CPU: set sizing.cpu = \"1\" or more."
  }
  validation {
    condition     = var.sizing.db_pool_max >= 1 && var.sizing.db_pool_max <= var.sizing.concurrency
    error_message = "sizing.db_pool_max must be 1 to sizing.concurrency: an instance never uses more connections than the requests it serves at once, and every one it may open counts against max_connections."
  }
}

variable "trigger" {
  description = <<-EOT
    How requests reach the function; exactly one of:
    http: from the internet (ingress INGRESS_TRAFFIC_ALL), invoked by the members var.iam
    grants roles/run.invoker; public = true turns Cloud Run's invoker check off
    (invoker_iam_disabled: anyone may call it, with no allUsers member), and is refused unless
    read_only (the function only reads).
    push: from its Pub/Sub push subscription only (ingress INGRESS_TRAFFIC_INTERNAL_ONLY), invoked by
    service_account_email alone, the identity the subscription's OIDC tokens name (an explicit
    subscription, see modules/pubsub-push-subscription: a trigger's built-in one can have no
    dead-letter topic).
  EOT
  type = object({
    http = optional(object({
      read_only = bool
      public    = optional(bool, false)
    }))
    push = optional(object({
      service_account_email = string
    }))
  })
  nullable = false
  validation {
    condition     = (var.trigger.http == null) != (var.trigger.push == null)
    error_message = "trigger needs exactly one of http and push."
  }
  validation {
    condition     = try(!var.trigger.http.public || var.trigger.http.read_only, true)
    error_message = "Function ${var.name} writes, so it cannot be public (invoker_iam_disabled): remove public and grant its callers roles/run.invoker in iam instead."
  }
}

variable "iam" {
  description = "Roles on the function's Cloud Run service, each with all its members (authoritative): role => members. roles/run.invoker lists who may call an HTTP function; a push function's only invoker is its push identity."
  type        = map(list(string))
  default     = {}
  nullable    = false
  validation {
    condition     = length(setintersection(flatten(values(var.iam)), ["allUsers", "allAuthenticatedUsers"])) == 0
    error_message = "iam cannot open the function to everyone: for a read-only HTTP function set trigger.http.public; a function that writes stays private."
  }
  validation {
    condition     = var.trigger.push == null || !contains(keys(var.iam), "roles/run.invoker")
    error_message = "A push function is invoked by its push identity alone: grant no roles/run.invoker in iam."
  }
}

variable "vpc_connector" {
  description = "Serverless VPC Access connector id for egress to private ranges (the Cloud SQL private IP); null for none."
  type        = string
  default     = null
}

variable "labels" {
  description = "Labels of the function's Cloud Run service."
  type        = map(string)
  default     = {}
  nullable    = false
}
