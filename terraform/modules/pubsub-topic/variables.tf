variable "project_id" {
  description = "Project of the topic."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Topic name (the app's EVENTS_TOPIC, DEAD_LETTER_TOPIC or RELAY_TOPIC)."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-_.~+%]{2,254}$", var.name)) && !startswith(var.name, "goog")
    error_message = "A topic name is 3-255 letters, digits and -_.~+%, starting with a letter and not with \"goog\"."
  }
}

variable "message_retention_duration" {
  description = "How long the topic keeps messages for replay (seek), e.g. \"86400s\"; null for none."
  type        = string
  default     = null
}

variable "iam" {
  description = "Roles on this topic, each with all its members (authoritative): role => members, e.g. { \"roles/pubsub.publisher\" = [...] }."
  type        = map(list(string))
  default     = {}
  nullable    = false
}

variable "retained_subscription" {
  description = "Keep every message in a pull subscription named <topic>--retained (for a dead-letter topic: Pub/Sub drops messages a topic has no subscription for)."
  type = object({
    message_retention_duration = optional(string, "604800s")
  })
  default = null
}

variable "labels" {
  description = "Labels of the topic."
  type        = map(string)
  default     = {}
  nullable    = false
}
