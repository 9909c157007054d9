resource "google_secret_manager_secret" "this" {
  for_each            = var.secrets
  project             = var.project_id
  secret_id           = each.value.secret_id
  labels              = var.labels
  deletion_protection = var.deletion_protection
  replication {
    auto {}
  }
}

# A first value for seeded secrets, so a fresh environment starts: generated on every run but
# written only when secret_data_wo_version changes (here: once), and never stored in the state.
ephemeral "random_password" "seed" {
  for_each = { for key, s in var.secrets : key => s.seed if s.seed != null }
  length   = each.value.length
  special  = false
}

resource "google_secret_manager_secret_version" "seed" {
  for_each               = { for key, s in var.secrets : key => s.seed if s.seed != null }
  secret                 = google_secret_manager_secret.this[each.key].id
  secret_data_wo         = "${each.value.prefix}${ephemeral.random_password.seed[each.key].result}"
  secret_data_wo_version = 1
}
