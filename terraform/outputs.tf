output "function_uris" {
  description = "Each function's Cloud Run (run.app) URL (paths reach the code intact, e.g. <uri>/people)."
  value       = { for name, f in module.functions : name => f.uri }
}

output "people_url" {
  description = "The people API. It is never public: callers send an invoker's identity token in X-Serverless-Authorization (Authorization carries the API key)."
  value       = "${module.functions["people"].uri}/people"
}

output "database" {
  description = "The Cloud SQL instance (for the Auth Proxy and CLOUD_SQL_INSTANCE), database, the user that owns the schema and runs the migrations, and the functions' IAM database users (npm run migrate:grant-runtime)."
  value = {
    connection_name = module.database.connection_name
    database        = module.database.database
    user            = module.database.user
    runtime_users   = [for user in google_sql_user.functions : user.name]
  }
}

output "connection_budget" {
  description = "Database connections: what each function may hold at once (max_instances × db_pool_max), what is reserved, and max_connections. Planning fails when they do not fit."
  value = {
    functions       = local.function_connections
    reserved        = local.reserved_connections
    total           = sum(concat(values(local.function_connections), values(local.reserved_connections)))
    max_connections = module.database.max_connections
  }
  precondition {
    condition     = sum(concat(values(local.function_connections), values(local.reserved_connections))) <= module.database.max_connections
    error_message = "The ${var.environment} functions may hold ${sum(values(local.function_connections))} database connections (${join(", ", [for name, n in local.function_connections : "${name} ${n}"])}), plus ${sum(values(local.reserved_connections))} reserved: more than max_connections ${module.database.max_connections}. Lower max_instances or db_pool_max in functions.<name>.sizing, or raise database.instance.max_connections."
  }
}

output "secrets" {
  description = "Secret ids, by the setting that references them (sm://<id>)."
  value       = module.secrets.secret_ids
}

output "service_accounts" {
  description = "Service account emails, by key (fn-<function>, push-<function>, planner, deployer)."
  value       = module.service_accounts.emails
}

output "topics" {
  description = "Pub/Sub topic ids, by name."
  value       = local.topic_ids
}

output "dashboard_url" {
  description = "The environment's monitoring dashboard in the Cloud console."
  value       = module.monitoring.dashboard_url
}
