# Each role's members are authoritative on the function's Cloud Run service: a push function's
# only invoker is its push identity; an HTTP function's are var.iam's. A public function gets no
# allUsers member: Cloud Run skips its invoker check instead (invoker_iam_disabled, main.tf).
locals {
  invokers = (
    var.trigger.push != null
    ? ["serviceAccount:${var.trigger.push.service_account_email}"]
    : lookup(var.iam, "roles/run.invoker", [])
  )
  iam = merge(var.iam, { "roles/run.invoker" = local.invokers })
}

resource "google_cloud_run_v2_service_iam_binding" "this" {
  for_each = local.iam
  project  = var.project_id
  location = var.region
  name     = google_cloud_run_v2_service.this.name
  role     = each.key
  members  = each.value
}
