variable "project_id" {
  description = "Project of the network."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region of the functions' VPC connector."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Name of the VPC network; the private services range and the connector are named after it."
  type        = string
  nullable    = false
}

variable "private_services_prefix_length" {
  description = "Size of the range reserved for Google-managed services (Cloud SQL's private IP), as a prefix length."
  type        = number
  default     = 20
  nullable    = false
  validation {
    condition     = var.private_services_prefix_length >= 8 && var.private_services_prefix_length <= 24
    error_message = "private_services_prefix_length must be 8 to 24 (Cloud SQL needs at least a /24)."
  }
}

variable "connector" {
  description = "Serverless VPC Access connector the functions reach private IPs through: a /28 range unused in the VPC, machine type and instance bounds (2-10)."
  type = object({
    name          = string
    ip_cidr_range = optional(string, "10.8.0.0/28")
    machine_type  = optional(string, "e2-micro")
    min_instances = optional(number, 2)
    max_instances = optional(number, 3)
  })
  nullable = false
  validation {
    condition     = endswith(var.connector.ip_cidr_range, "/28") && can(cidrhost(var.connector.ip_cidr_range, 0))
    error_message = "connector.ip_cidr_range must be a /28 range, e.g. 10.8.0.0/28."
  }
  validation {
    condition     = var.connector.min_instances >= 2 && var.connector.min_instances < var.connector.max_instances && var.connector.max_instances <= 10
    error_message = "connector needs 2 <= min_instances < max_instances <= 10."
  }
  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,23}[a-z0-9]$", var.connector.name))
    error_message = "connector.name must be at most 25 lowercase letters, digits and hyphens, starting with a letter."
  }
}
