variable "project_id" {
  description = "Project the function is deployed in."
  type        = string
  nullable    = false
}

variable "region" {
  description = "Region the function runs in."
  type        = string
  nullable    = false
}

variable "name" {
  description = "Function name: its folder in functions/ and its functions-framework target."
  type        = string
  nullable    = false
}

variable "description" {
  description = "What the function does with the events it receives, shown in the console."
  type        = string
  default     = ""
  nullable    = false
}

variable "bundle" {
  description = "source_dir: dist/functions/<name> from `npm run build`; bucket: where the zipped bundle is uploaded."
  type = object({
    source_dir = string
    bucket     = string
  })
  nullable = false
}

variable "service_account_email" {
  description = "The function's own service account."
  type        = string
  nullable    = false
}

variable "build_service_account" {
  description = "Service account id Cloud Build uses to build the function."
  type        = string
  nullable    = false
}

variable "environment_variables" {
  description = "Environment variables of the running function."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "sizing" {
  description = "memory, cpu, timeout_seconds, min_instances, max_instances, concurrency (see modules/cloud-function)."
  type = object({
    memory          = optional(string, "256Mi")
    cpu             = optional(string)
    timeout_seconds = optional(number, 60)
    min_instances   = optional(number, 0)
    max_instances   = optional(number, 10)
    concurrency     = optional(number, 1)
  })
  default  = {}
  nullable = false
}

variable "vpc_connector" {
  description = "Serverless VPC Access connector id for egress to private ranges; null for none."
  type        = string
  default     = null
}

variable "push_service_account_email" {
  description = "The identity its push subscription authenticates with (OIDC): the only invoker of the function."
  type        = string
  nullable    = false
}

variable "labels" {
  description = "Labels of the function."
  type        = map(string)
  default     = {}
  nullable    = false
}
