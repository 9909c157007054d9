variable "project_id" {
  description = "Project the service accounts live in."
  type        = string
  nullable    = false
}

variable "accounts" {
  description = <<-EOT
    Service accounts by key. Each lists the project roles it needs (narrowed by an IAM condition
    where the role allows one) and, in `iam`, who may use the account itself (role => members,
    each role's members authoritative on the account), e.g. who may act as it
    (roles/iam.serviceAccountUser) or mint its tokens.
  EOT
  type = map(object({
    account_id   = string
    display_name = string
    description  = optional(string, "")
    project_roles = optional(list(object({
      role = string
      condition = optional(object({
        title       = string
        expression  = string
        description = optional(string)
      }))
    })), [])
    iam = optional(map(list(string)), {})
  }))
  nullable = false
  validation {
    condition     = alltrue([for a in values(var.accounts) : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", a.account_id))])
    error_message = "Each account_id must be 6-30 lowercase letters, digits and hyphens, starting with a letter."
  }
  validation {
    condition = alltrue(flatten([
      for a in values(var.accounts) : [for r in a.project_roles : !contains(["roles/owner", "roles/editor", "roles/viewer"], r.role)]
    ]))
    error_message = "Basic roles (roles/owner, roles/editor, roles/viewer) grant far more than any account here needs: list the predefined roles it uses instead."
  }
}
