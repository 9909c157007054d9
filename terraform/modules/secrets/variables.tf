variable "project_id" {
  description = "Project of the secrets."
  type        = string
  nullable    = false
}

variable "secrets" {
  description = <<-EOT
    Secrets by key (the app setting that references them). accessors: who may read this secret,
    by a name for the grant (roles/secretmanager.secretAccessor on this secret only). seed: give
    the secret a first, generated version (prefix + a random string, written write-only so it is
    never in the state); later versions are added by people (gcloud secrets versions add).
  EOT
  type = map(object({
    secret_id = string
    accessors = optional(map(string), {})
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
    condition     = alltrue([for s in values(var.secrets) : length(setintersection(values(s.accessors), ["allUsers", "allAuthenticatedUsers"])) == 0])
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
