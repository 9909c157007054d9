variable "project_id" {
  description = "Project of the secrets."
  type        = string
  nullable    = false
}

variable "secrets" {
  description = <<-EOT
    Secrets by key (the app setting that references them). iam: roles on this secret only, each
    with all its members (authoritative), e.g. who may read it:
    { "roles/secretmanager.secretAccessor" = [members] }. seed: give the secret a first,
    generated version (prefix + a random string, written write-only so it is never in the
    state); later versions are added by people (gcloud secrets versions add).
  EOT
  type = map(object({
    secret_id = string
    iam       = optional(map(list(string)), {})
    seed = optional(object({
      prefix = optional(string, "")
      length = optional(number, 48)
    }))
  }))
  nullable = false
  validation {
    condition     = alltrue([for s in values(var.secrets) : can(regex("^[a-zA-Z0-9_-]{1,255}$", s.secret_id))])
    error_message = "A secret_id is 1-255 letters, digits, hyphens and underscores."
  }
  validation {
    condition     = alltrue([for s in values(var.secrets) : length(setintersection(flatten(values(s.iam)), ["allUsers", "allAuthenticatedUsers"])) == 0])
    error_message = "A secret is never readable by allUsers or allAuthenticatedUsers: list the service accounts that read it."
  }
}

variable "deletion_protection" {
  description = "Refuse to destroy the secrets (production)."
  type        = bool
  default     = true
  nullable    = false
}

variable "labels" {
  description = "Labels of the secrets."
  type        = map(string)
  default     = {}
  nullable    = false
}
