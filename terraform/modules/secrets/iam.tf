# Grants on one secret each (who reads it): never a project-wide secretAccessor. Each role's
# members are authoritative on its secret.
locals {
  iam = merge([
    for key, s in var.secrets : {
      for role, members in s.iam : "${key}/${role}" => { secret = key, role = role, members = members }
    }
  ]...)
}

resource "google_secret_manager_secret_iam_binding" "this" {
  for_each  = local.iam
  project   = var.project_id
  secret_id = google_secret_manager_secret.this[each.value.secret].secret_id
  role      = each.value.role
  members   = each.value.members
}
