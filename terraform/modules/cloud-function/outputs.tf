output "uri" {
  description = "The function's Cloud Run (run.app) URL: paths reach the code intact, as on the local stack."
  value       = google_cloud_run_v2_service.this.uri
}

output "max_connections" {
  description = "The most database connections this function may hold at once: max_instances × db_pool_max (its share of the connection budget)."
  value       = var.sizing.max_instances * var.sizing.db_pool_max
}
