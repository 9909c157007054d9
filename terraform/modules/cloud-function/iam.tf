# A gen2 function is invoked through its Cloud Run service, whose name is the function's. Each
# role's members are authoritative on this service: a push function's only invoker is its push
# identity; an HTTP function's are var.iam's, and allUsers only when it is public and read-only.
locals {
  invokers = (
    var.trigger.push != null
    ? ["serviceAccount:${var.trigger.push.service_account_email}"]
    : concat(
      lookup(var.iam, "roles/run.invoker", []),
      var.trigger.http.public && var.trigger.http.read_only ? ["allUsers"] : [],
    )
  )
  iam = merge(var.iam, { "roles/run.invoker" = local.invokers })
}

resource "google_cloud_run_v2_service_iam_binding" "this" {
  for_each = local.iam
  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.name
  role     = each.key
  members  = each.value
}
