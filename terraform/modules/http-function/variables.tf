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
  description = "What the function serves, shown in the console."
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

variable "read_only" {
  description = "The function only reads (shared/deploy/functions.ts says so): only such a function may be public."
  type        = bool
  nullable    = false
}

variable "public" {
  description = "Let anyone on the internet invoke the function (roles/run.invoker for allUsers). Only for read-only functions."
  type        = bool
  default     = false
  nullable    = false
  validation {
    condition     = !var.public || var.read_only
    error_message = "Function ${var.name} writes, so it cannot be public: remove public = true and list the callers' identities in invokers instead."
  }
}

variable "invokers" {
  description = "IAM members allowed to invoke the function, by a name for the grant (e.g. { ci = \"serviceAccount:...\" }); never allUsers or allAuthenticatedUsers (use public)."
  type        = map(string)
  default     = {}
  nullable    = false
  validation {
    condition     = length(setintersection(values(var.invokers), ["allUsers", "allAuthenticatedUsers"])) == 0
    error_message = "invokers cannot open the function to everyone: for a read-only function set public = true; a function that writes stays private."
  }
}

variable "labels" {
  description = "Labels of the function."
  type        = map(string)
  default     = {}
  nullable    = false
}
