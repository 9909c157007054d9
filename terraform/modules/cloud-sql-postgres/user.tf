# The application user's password: generated on every run but sent only when password_version
# changes, to the user and to its secret together, and never stored in the state.
ephemeral "random_password" "database" {
  length  = 40
  special = false
}

resource "google_sql_user" "this" {
  project             = var.project_id
  instance            = google_sql_database_instance.this.name
  name                = var.database.user
  password_wo         = ephemeral.random_password.database.result
  password_wo_version = var.database.password_version
}

resource "google_secret_manager_secret_version" "password" {
  secret                 = var.database.password_secret
  secret_data_wo         = ephemeral.random_password.database.result
  secret_data_wo_version = var.database.password_version
}
