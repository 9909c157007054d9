variable "project_id" {
  description = "Project of the instance."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of the instance (the functions' region, for latency)."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Instance name (not reusable for a week after deletion)."
  type        = string
  nullable    = false
}

variable "instance" {
  description = <<-EOT
    The instance: PostgreSQL version, machine tier, ZONAL or REGIONAL (high availability), disk,
    backups with point-in-time recovery, protection against deletion, and max_connections, set
    as a flag: required, because the tier's default is not what the connection budget should
    rest on (terraform/README.md, Connection budget).
  EOT
  type = object({
    database_version       = optional(string, "POSTGRES_16")
    tier                   = optional(string, "db-custom-1-3840")
    edition                = optional(string, "ENTERPRISE")
    availability_type      = optional(string, "ZONAL")
    disk_size_gb           = optional(number, 10)
    backups                = optional(bool, true)
    point_in_time_recovery = optional(bool, true)
    retained_backups       = optional(number, 7)
    deletion_protection    = optional(bool, true)
    max_connections        = number
    flags                  = optional(map(string), {})
  })
  default  = {}
  nullable = false
  validation {
    condition     = startswith(var.instance.database_version, "POSTGRES_")
    error_message = "instance.database_version must be a PostgreSQL version (POSTGRES_15, POSTGRES_16, ...): manifest runs on PostgreSQL only."
  }
  validation {
    condition     = contains(["ZONAL", "REGIONAL"], var.instance.availability_type)
    error_message = "instance.availability_type must be ZONAL or REGIONAL (a standby in another zone)."
  }
  validation {
    condition     = var.instance.max_connections >= 14 && var.instance.max_connections <= 262143 && !contains(keys(var.instance.flags), "max_connections")
    error_message = "instance.max_connections must be 14 to 262143 (Cloud SQL for PostgreSQL's range), and set there only, not in instance.flags."
  }
  validation {
    condition     = !var.instance.point_in_time_recovery || var.instance.backups
    error_message = "instance.point_in_time_recovery needs instance.backups = true."
  }
}

variable "network" {
  description = <<-EOT
    private_network: the VPC (id) the instance gets its private IP in, through private services
    access. public_ip: also give it a public IP with no authorized network at all, so that only
    the Cloud SQL Auth Proxy and connectors (IAM-authorized, mutual TLS) reach it that way; the
    Cloud Build migration step needs it unless builds run in a private pool on the VPC.
  EOT
  type = object({
    private_network = string
    public_ip       = optional(bool, true)
  })
  nullable = false
}

variable "database" {
  description = "The application database and its user; the user's password is generated write-only and stored as a version of password_secret (an id, projects/<p>/secrets/<s>). Increment password_version to rotate it."
  type = object({
    name             = optional(string, "manifest")
    user             = optional(string, "manifest")
    password_secret  = string
    password_version = optional(number, 1)
  })
  nullable = false
}

variable "labels" {
  description = "User labels of the instance."
  type        = map(string)
  default     = {}
  nullable    = false
}
