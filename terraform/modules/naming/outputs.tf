output "branch_patterns" {
  description = "The branch patterns (RE2) that deploy this environment, by a short name for the trigger."
  value       = local.branch_patterns[var.environment]
}

output "branch_environment" {
  description = "The environment var.branch deploys to, or null when no pattern matches it."
  value       = one(local.branch_environments)
  precondition {
    condition     = length(local.branch_environments) <= 1
    error_message = "Branch \"${var.branch == null ? "" : var.branch}\" matches the patterns of several environments (${join(", ", local.branch_environments)}): make the patterns exclusive."
  }
}

output "labels" {
  description = "Labels every resource of the environment carries."
  value       = { app = local.prefix, environment = var.environment }
}

output "state_prefix" {
  description = "The prefix of this environment's state in the state bucket (envs/<environment>.gcs.tfbackend must say the same)."
  value       = "${local.prefix}/${var.environment}"
}

output "names" {
  description = "Names of the environment's singular resources."
  value = {
    sql_instance        = "${local.prefix}-${var.environment}"
    image_repository    = "${local.prefix}-functions"
    pipeline_bucket     = "${var.project_id}-${local.prefix}-pipeline"
    network             = local.prefix
    vpc_connector       = "${local.prefix}-connector"
    relay_scheduler_job = "${local.prefix}-relay-tick"
    secrets = {
      API_KEYS          = "${local.prefix}-api-keys"
      DATABASE_PASSWORD = "${local.prefix}-database-password"
    }
  }
}

output "trigger_names" {
  description = "The Cloud Build triggers of each of this environment's branch patterns: plan (test, bundle, save the plan) and apply (apply the saved plan)."
  value = {
    for key, _ in local.branch_patterns[var.environment] : key => {
      plan  = "${local.prefix}-plan-${var.environment}-${key}"
      apply = "${local.prefix}-apply-${var.environment}-${key}"
    }
  }
}

output "service_account_ids" {
  description = "Service account ids: function.<name> runs a function, push.<name> is the identity Pub/Sub pushes to it with, planner plans this configuration (read-only), deployer applies it."
  value       = local.service_account_ids
  precondition {
    condition     = length(local.invalid_service_account_ids) == 0
    error_message = "Service account ids must be 6-30 lowercase letters, digits and hyphens, starting with a letter; invalid: ${join(", ", local.invalid_service_account_ids)}. Shorten the function name."
  }
}
