variable "project_id" {
  description = "Project of the job."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of the Cloud Scheduler job."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Job name."
  type        = string
  nullable    = false
}

variable "topic" {
  description = "Id of the topic the tick is published to (RELAY_TOPIC, which relay-outbox's push subscription reads)."
  type        = string
  nullable    = false
}

variable "schedule" {
  description = "When to tick, in cron syntax; relay-outbox publishes what the fast path left pending at each tick."
  type        = string
  default     = "* * * * *"
  nullable    = false
  validation {
    condition     = length(split(" ", trimspace(var.schedule))) == 5
    error_message = "schedule must be a five-field cron expression, e.g. \"* * * * *\" for every minute."
  }
}

variable "time_zone" {
  description = "Time zone the schedule is read in."
  type        = string
  default     = "Etc/UTC"
  nullable    = false
}

variable "paused" {
  description = "Pause the ticks (the fast path still publishes; pending rows wait)."
  type        = bool
  default     = false
  nullable    = false
}
