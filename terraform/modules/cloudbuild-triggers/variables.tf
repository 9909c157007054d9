variable "project_id" {
  description = "Project the builds run in (the environment's project)."
  type        = string
  nullable    = false
}

variable "repository" {
  description = "Cloud Build repository (2nd gen) the branches are pushed to: projects/<p>/locations/<region>/connections/<c>/repositories/<r>. The triggers live in its region."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^projects/[^/]+/locations/[^/]+/connections/[^/]+/repositories/[^/]+$", var.repository))
    error_message = "repository must be a Cloud Build repository id, projects/<p>/locations/<region>/connections/<c>/repositories/<r> (gcloud builds repositories list)."
  }
}

variable "filename" {
  description = "Build configuration in the repository."
  type        = string
  default     = "cloudbuild.yaml"
  nullable    = false
}

variable "service_account" {
  description = "Service account id (projects/<p>/serviceAccounts/<email>) the builds run as; cloudbuild.yaml sets logging to CLOUD_LOGGING_ONLY, as a user-specified account requires."
  type        = string
  nullable    = false
}

variable "triggers" {
  description = "One trigger per branch pattern (RE2, anchored), by key: its name, and whether each build waits for an approval."
  type = map(object({
    name              = string
    branch            = string
    description       = optional(string, "")
    approval_required = optional(bool, false)
  }))
  nullable = false
  validation {
    condition     = alltrue([for t in values(var.triggers) : startswith(t.branch, "^") && endswith(t.branch, "$")])
    error_message = "Branch patterns must be anchored (^...$): an unanchored pattern deploys every branch that contains it."
  }
  validation {
    condition     = alltrue([for t in values(var.triggers) : can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,63}$", t.name))])
    error_message = "Trigger names are up to 64 letters, digits and hyphens, starting with a letter."
  }
}

variable "substitutions" {
  description = "User substitutions (_NAME = value) every build gets; cloudbuild.yaml must declare each (test/infra checks it)."
  type        = map(string)
  default     = {}
  nullable    = false
  validation {
    condition     = alltrue([for k in keys(var.substitutions) : can(regex("^_[A-Z0-9_]+$", k))])
    error_message = "User substitutions are named _UPPER_CASE."
  }
}
