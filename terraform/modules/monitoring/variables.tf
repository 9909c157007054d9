variable "project_id" {
  description = "The environment's project: the alerts, the dashboard and the metrics live in it, and watch it."
  type        = string
  nullable    = false
}

variable "project_number" {
  description = "The project's number: a budget filters on it."
  type        = string
  nullable    = false
}

variable "environment" {
  description = "production, testing or development: it leads every alert's and the dashboard's name, so a notification says where it comes from."
  type        = string
  nullable    = false
}

variable "functions" {
  description = "The function registry as declarations.tf restates it (local.function_declarations), by name: each HTTP function gets a 5xx-ratio alert; all of them are on the dashboard. A gen2 function is the Cloud Run service of the same name."
  type = map(object({
    kind = string
  }))
  nullable = false
  validation {
    condition     = alltrue([for f in values(var.functions) : contains(["http", "event"], f.kind)])
    error_message = "Each function's kind must be http or event, as in shared/deploy/functions.ts."
  }
}

variable "push_subscriptions" {
  description = "The push subscriptions (local.push_subscriptions), by subscription id: each gets an alert on the age of its oldest unacknowledged message."
  type = map(object({
    function = string
    topic    = string
  }))
  nullable = false
}

variable "dead_letter_subscription" {
  description = "The dead-letter topic's retained pull subscription (modules/pubsub-topic's retained_subscription output): a message waiting in it is a dead letter."
  type        = string
  nullable    = false
}

variable "database" {
  description = "The Cloud SQL instance (its name) and the max_connections it is configured with, which the connections alert measures against."
  type = object({
    instance        = string
    max_connections = number
  })
  nullable = false
  validation {
    condition     = var.database.max_connections >= 14 && var.database.max_connections <= 262143
    error_message = "database.max_connections must be between 14 and 262143 (Cloud SQL for PostgreSQL's range for the flag)."
  }
}

variable "health_check" {
  description = "The uptime check's target: host (the health function's run.app host, no scheme), path (with ?strict=true, so a degraded service fails the check), and whether the function is public. It probes from several regions: anonymously when public, else with the Monitoring service agent's identity token (service-<project number>@gcp-sa-monitoring-notification.iam.gserviceaccount.com must then hold roles/run.invoker on it)."
  type = object({
    host   = string
    path   = string
    public = bool
  })
  nullable = false
  validation {
    condition     = !startswith(var.health_check.host, "https://") && startswith(var.health_check.path, "/")
    error_message = "health_check.host is a host name without https:// and health_check.path starts with /."
  }
}

variable "outbox_backlog_log" {
  description = "The line relay-outbox logs each tick (shared/events/backlog.ts, restated as local.outbox_backlog_log): the function that writes it, its message, and the names of its pending-count and oldest-pending-age fields. The log-based metrics read it."
  type = object({
    function               = string
    message                = string
    pending                = string
    oldest_pending_seconds = string
  })
  nullable = false
}

variable "notification_channels" {
  description = <<-EOT
    Where every alert (and the budget) notifies, by a name of your choice. Each is exactly one of:
    email (an address); webhook (an https URL that receives the incident as JSON); existing (the
    id of a channel made outside Terraform, projects/<p>/notificationChannels/<id>: Slack or
    PagerDuty, which need an OAuth or key exchange in the console, and a webhook whose URL
    carries a token, a credential that must not be committed). Empty: the alerts open incidents
    in the console and notify no one.
  EOT
  type = map(object({
    email    = optional(string)
    webhook  = optional(string)
    existing = optional(string)
  }))
  default  = {}
  nullable = false
  validation {
    condition     = alltrue([for c in values(var.notification_channels) : length([for v in [c.email, c.webhook, c.existing] : v if v != null]) == 1])
    error_message = "Each notification channel needs exactly one of email, webhook and existing."
  }
  validation {
    condition     = alltrue([for c in values(var.notification_channels) : c.email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", c.email))])
    error_message = "A notification channel's email must be an e-mail address."
  }
  validation {
    condition     = alltrue([for c in values(var.notification_channels) : c.webhook == null || startswith(coalesce(c.webhook, "-"), "https://")])
    error_message = "A notification channel's webhook must be an https:// URL."
  }
  validation {
    condition     = alltrue([for c in values(var.notification_channels) : c.existing == null || can(regex("^projects/[^/]+/notificationChannels/[^/]+$", c.existing))])
    error_message = "A notification channel's existing must be a channel id: projects/<project>/notificationChannels/<id>."
  }
}

variable "thresholds" {
  description = <<-EOT
    When each alert fires. Minutes: push_oldest_unacked_minutes (a push subscription's oldest
    unacknowledged message), outbox_oldest_pending_minutes (the outbox's oldest pending row),
    relay_silent_minutes (relay-outbox has logged no backlog line), health_failing_minutes (the
    uptime check fails from two regions or more). Ratios (0-1): http_5xx_ratio (of an HTTP
    function's requests over 5 minutes, once it has http_5xx_min_requests of them),
    database_connections_ratio (of max_connections), database_cpu_ratio, database_disk_ratio.
  EOT
  type = object({
    push_oldest_unacked_minutes   = optional(number, 15)
    outbox_oldest_pending_minutes = optional(number, 10)
    relay_silent_minutes          = optional(number, 10)
    health_failing_minutes        = optional(number, 5)
    http_5xx_ratio                = optional(number, 0.05)
    http_5xx_min_requests         = optional(number, 10)
    database_connections_ratio    = optional(number, 0.8)
    database_cpu_ratio            = optional(number, 0.8)
    database_disk_ratio           = optional(number, 0.85)
  })
  default  = {}
  nullable = false
  validation {
    condition = alltrue([for m in [
      var.thresholds.push_oldest_unacked_minutes, var.thresholds.outbox_oldest_pending_minutes,
      var.thresholds.health_failing_minutes,
    ] : m >= 1 && m <= 1440 && floor(m) == m])
    error_message = "push_oldest_unacked_minutes, outbox_oldest_pending_minutes and health_failing_minutes are whole minutes from 1 to 1440 (an alert's duration is at most a day)."
  }
  validation {
    condition     = var.thresholds.relay_silent_minutes >= 2 && var.thresholds.relay_silent_minutes <= 1440 && floor(var.thresholds.relay_silent_minutes) == var.thresholds.relay_silent_minutes
    error_message = "relay_silent_minutes is whole minutes from 2 to 1440: Cloud Monitoring's absence conditions wait 120 s at least."
  }
  validation {
    condition = alltrue([for r in [
      var.thresholds.http_5xx_ratio, var.thresholds.database_connections_ratio,
      var.thresholds.database_cpu_ratio, var.thresholds.database_disk_ratio,
    ] : r > 0 && r < 1])
    error_message = "http_5xx_ratio and the database_*_ratio thresholds are fractions between 0 and 1 (0.05 is 5%)."
  }
  validation {
    condition     = var.thresholds.http_5xx_min_requests >= 1
    error_message = "http_5xx_min_requests must be at least 1: the ratio of no requests is undefined."
  }
}

variable "budget" {
  description = "A monthly budget on this project's spend, which notifies the channels (and the billing account's admins) at each fraction of amount in thresholds. billing_account: its id (012345-6789AB-CDEF01); the identity that applies needs roles/billing.costsManager on it. currency_code: the billing account's currency. Null: no budget."
  type = object({
    billing_account = string
    amount          = number
    currency_code   = optional(string)
    thresholds      = optional(list(number), [0.5, 0.9, 1.0])
  })
  default = null
  validation {
    condition     = var.budget == null || can(regex("^[0-9A-F]{6}-[0-9A-F]{6}-[0-9A-F]{6}$", var.budget.billing_account))
    error_message = "budget.billing_account is a billing account id like 012345-6789AB-CDEF01."
  }
  validation {
    condition     = var.budget == null || try(var.budget.amount > 0 && floor(var.budget.amount) == var.budget.amount && length(var.budget.thresholds) > 0 && alltrue([for t in var.budget.thresholds : t > 0]), false)
    error_message = "budget.amount must be a positive whole amount of the currency and budget.thresholds a non-empty list of positive fractions of it (1.0 is the whole budget)."
  }
  validation {
    condition     = var.budget == null || length(var.notification_channels) <= 5
    error_message = "A budget notifies at most 5 monitoring channels: keep 5 or fewer notification_channels, or route the budget through one of them."
  }
}

variable "labels" {
  description = "User labels of the alert policies (the environment's labels)."
  type        = map(string)
  default     = {}
  nullable    = false
}
