locals {
  project_roles = merge([
    for key, account in var.accounts : {
      for grant in account.project_roles : "${key}/${grant.role}" => merge(grant, { account = key })
    }
  ]...)

  account_iam = merge([
    for key, account in var.accounts : {
      for role, members in account.iam : "${key}/${role}" => { account = key, role = role, members = members }
    }
  ]...)
}

resource "google_project_iam_member" "roles" {
  for_each = local.project_roles
  project  = var.project_id
  role     = each.value.role
  member   = google_service_account.this[each.value.account].member
  dynamic "condition" {
    for_each = each.value.condition == null ? [] : [each.value.condition]
    content {
      title       = condition.value.title
      expression  = condition.value.expression
      description = condition.value.description
    }
  }
}

# Who may use each account: each role's members are authoritative on that account.
resource "google_service_account_iam_binding" "this" {
  for_each           = local.account_iam
  service_account_id = google_service_account.this[each.value.account].name
  role               = each.value.role
  members            = each.value.members
  # Members may be other accounts of this module: create them all first.
  depends_on = [google_service_account.this]
}
