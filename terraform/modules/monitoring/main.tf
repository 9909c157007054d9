locals {
  # Every alert's and the dashboard's name starts with it: a notification says where it is from.
  title = "manifest ${var.environment}"

  http_functions = { for name, f in var.functions : name => f if f.kind == "http" }

  # Cloud SQL's metrics name an instance by project:instance.
  database_id = "resource.type = \"cloudsql_database\" AND resource.labels.database_id = \"${var.project_id}:${var.database.instance}\""
}
