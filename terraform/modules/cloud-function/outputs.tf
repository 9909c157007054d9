output "url" {
  description = "The function's cloudfunctions.net URL (the function name is not part of the path the code sees)."
  value       = google_cloudfunctions2_function.this.url
}

output "uri" {
  description = "The Cloud Run (run.app) URL of the function's service: paths reach the code intact, as on the local stack."
  value       = google_cloudfunctions2_function.this.service_config[0].uri
}

output "max_connections" {
  description = "The most database connections this function may hold at once: max_instances × db_pool_max (its share of the connection budget)."
  value       = var.sizing.max_instances * var.sizing.db_pool_max
}
