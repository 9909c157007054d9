variable "environment" {
  description = "The environment being named: production, testing or development."
  type        = string
  nullable    = false
  validation {
    condition     = contains(["production", "testing", "development"], var.environment)
    error_message = "environment must be production, testing or development (git flow: master, develop/release/hotfix, feature), got \"${var.environment}\"."
  }
}

variable "project_id" {
  description = "The Google Cloud project of the environment (bucket names are derived from it, being global)."
  type        = string
  nullable    = false
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", var.project_id))
    error_message = "project_id must be a Google Cloud project id: 6 to 30 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "functions" {
  description = "Names of the functions (folders of functions/) that get a service account each."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "branch" {
  description = "A git branch to map to its environment (output branch_environment); null when not needed."
  type        = string
  default     = null
}
