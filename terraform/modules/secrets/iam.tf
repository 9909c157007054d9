# Each accessor reads only the secrets it is listed on: no project-wide secretAccessor.
locals {
  accessors = merge([
    for key, s in var.secrets : {
      for name, member in s.accessors : "${key}/${name}" => { secret = key, member = member }
    }
  ]...)
}

resource "google_secret_manager_secret_iam_member" "accessors" {
  for_each  = local.accessors
  project   = var.project_id
  secret_id = google_secret_manager_secret.this[each.value.secret].secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = each.value.member
}
