locals {
  # Git flow: which branches deploy to which environment. Cloud Build trigger filters and
  # Terraform's regex() are both RE2, so these patterns mean the same in both places.
  branch_patterns = {
    production  = { master = "^master$" }
    testing     = { develop = "^develop$", release = "^(release|hotfix)/.+$" }
    development = { feature = "^feature/.+$" }
  }

  branch_environments = var.branch == null ? [] : [
    for environment, patterns in local.branch_patterns : environment
    if anytrue([for pattern in values(patterns) : can(regex(pattern, var.branch))])
  ]

  prefix = "manifest"

  # Service account ids are 6-30 characters: fn-<function> runs a function, push-<function>
  # is the identity Pub/Sub pushes to it with.
  service_account_ids = {
    function = { for name in var.functions : name => "fn-${name}" }
    push     = { for name in var.functions : name => "push-${name}" }
    deployer = "${local.prefix}-deployer"
    planner  = "${local.prefix}-planner"
  }
  all_service_account_ids = concat(
    values(local.service_account_ids.function),
    values(local.service_account_ids.push),
    [local.service_account_ids.deployer, local.service_account_ids.planner],
  )
  invalid_service_account_ids = [
    for id in local.all_service_account_ids : id if !can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", id))
  ]
}
