# The application user's password: generated on every run but sent only when password_version
# changes, to the user and to its secret together, and never stored in the state.
ephemeral "random_password" "database" {
  length  = 40
  special = false
}

# Rotation (password_version + 1) without a refused login, in this order:
#   1. a new version of the secret (create_before_destroy): `latest` is the new password;
#   2. the user's new password (depends_on): from here the old one is refused, and a client
#      refused reads `latest` again at once and finds the new one (shared/db/password-retry.ts);
#   3. the old version disabled, not destroyed (deletion_policy): it stays readable by its
#      number if re-enabled, and an operator destroys it later (README, Rotating the password).
# test/infra/rotation.test.ts fails if any of the three goes.
resource "google_sql_user" "this" {
  project             = var.project_id
  instance            = google_sql_database_instance.this.name
  name                = var.database.user
  password_wo         = ephemeral.random_password.database.result
  password_wo_version = var.database.password_version
  depends_on          = [google_secret_manager_secret_version.password]
}

resource "google_secret_manager_secret_version" "password" {
  secret                 = var.database.password_secret
  secret_data_wo         = ephemeral.random_password.database.result
  secret_data_wo_version = var.database.password_version
  deletion_policy        = "DISABLE"

  lifecycle {
    create_before_destroy = true
  }
}
