resource "google_cloudbuild_trigger" "this" {
  for_each        = var.triggers
  project         = var.project_id
  location        = split("/", var.repository)[3]
  name            = each.value.name
  description     = each.value.description
  filename        = var.filename
  service_account = var.service_account
  substitutions   = var.substitutions

  repository_event_config {
    repository = var.repository
    push {
      branch = each.value.branch
    }
  }

  approval_config {
    approval_required = each.value.approval_required
  }
}
