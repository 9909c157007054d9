variable "project_id" {
  description = "Project of the subscription."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Subscription id: <topic>--<function> (shared/deploy/subscriptions.ts)."
  type        = string
  nullable    = false
}

variable "topic" {
  description = "Id of the topic it receives from (projects/<project>/topics/<name>)."
  type        = string
  nullable    = false
}

variable "filter" {
  description = "Pub/Sub filter translated from the function's routing patterns ('' delivers every message). Immutable: changing it replaces the subscription."
  type        = string
  default     = ""
  nullable    = false
  validation {
    condition     = length(var.filter) <= 256
    error_message = "Pub/Sub filters are at most 256 bytes: narrow the function's routing patterns."
  }
}

variable "ack_deadline_seconds" {
  description = "How long Pub/Sub waits for the push to answer before it retries (10-600)."
  type        = number
  default     = 60
  nullable    = false
  validation {
    condition     = var.ack_deadline_seconds >= 10 && var.ack_deadline_seconds <= 600
    error_message = "ack_deadline_seconds must be between 10 and 600."
  }
}

variable "push" {
  description = "Where and as whom to push: the endpoint URL (https), the OIDC audience (the function's URL) and the service account whose token authenticates the push."
  type = object({
    endpoint              = string
    audience              = string
    service_account_email = string
  })
  nullable = false
}

variable "retry" {
  description = "Exponential backoff between redeliveries of a message the push failed (seconds, 0-600)."
  type = object({
    minimum_backoff_seconds = number
    maximum_backoff_seconds = number
  })
  nullable = false
  validation {
    condition     = var.retry.minimum_backoff_seconds >= 0 && var.retry.minimum_backoff_seconds <= var.retry.maximum_backoff_seconds && var.retry.maximum_backoff_seconds <= 600
    error_message = "retry needs 0 <= minimum_backoff_seconds <= maximum_backoff_seconds <= 600."
  }
}

variable "dead_letter" {
  description = "After max_delivery_attempts (5-100) failed deliveries the message goes to this topic (id)."
  type = object({
    topic                 = string
    max_delivery_attempts = number
  })
  nullable = false
  validation {
    condition     = var.dead_letter.max_delivery_attempts >= 5 && var.dead_letter.max_delivery_attempts <= 100
    error_message = "dead_letter.max_delivery_attempts must be between 5 and 100 (Pub/Sub's limits)."
  }
}

variable "pubsub_service_agent" {
  description = "IAM member of the project's Pub/Sub service agent, which forwards dead letters: it must be able to acknowledge here (the dead-letter topic grants it publisher)."
  type        = string
  nullable    = false
}

variable "message_retention_duration" {
  description = "How long an undelivered message is kept."
  type        = string
  default     = "604800s"
  nullable    = false
}

variable "labels" {
  description = "Labels of the subscription."
  type        = map(string)
  default     = {}
  nullable    = false
}
