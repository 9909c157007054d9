output "connection_name" {
  description = "project:region:instance, for the Cloud SQL connector (CLOUD_SQL_INSTANCE) and the Auth Proxy."
  value       = google_sql_database_instance.this.connection_name
}

output "max_connections" {
  description = "The instance's max_connections flag: the connection budget every function's pool and the connections alert measure against."
  value       = var.instance.max_connections
}

output "database" {
  description = "Application database name (DATABASE_NAME)."
  value       = google_sql_database.this.name
}

output "user" {
  description = "Application user (DATABASE_USER); its password is the latest version of the password secret. What refers to it waits until that version is written: a function deployed with it can connect."
  value       = google_sql_user.this.name
  depends_on  = [google_secret_manager_secret_version.password]
}
