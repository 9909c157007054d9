output "connection_name" {
  description = "project:region:instance, for the Cloud SQL connector (CLOUD_SQL_INSTANCE) and the Auth Proxy."
  value       = google_sql_database_instance.this.connection_name
}

output "name" {
  description = "Instance name."
  value       = google_sql_database_instance.this.name
}

output "database" {
  description = "Application database name (DATABASE_NAME)."
  value       = google_sql_database.this.name
}

output "user" {
  description = "Application user (DATABASE_USER); its password is the latest version of the password secret."
  value       = google_sql_user.this.name
}

output "password_version" {
  description = "Id of the secret version holding the current password (depend on it before starting anything that connects)."
  value       = google_secret_manager_secret_version.password.id
}
