# Where alerts go: e-mail and webhook channels made here, channels made elsewhere by id.
resource "google_monitoring_notification_channel" "email" {
  for_each     = { for name, c in var.notification_channels : name => c.email if c.email != null }
  project      = var.project_id
  display_name = "manifest ${var.environment}: ${each.key}"
  type         = "email"
  labels       = { email_address = each.value }
  user_labels  = var.labels
}

resource "google_monitoring_notification_channel" "webhook" {
  for_each     = { for name, c in var.notification_channels : name => c.webhook if c.webhook != null }
  project      = var.project_id
  display_name = "manifest ${var.environment}: ${each.key}"
  type         = "webhook_tokenauth"
  labels       = { url = each.value }
  user_labels  = var.labels
}

locals {
  notification_channels = concat(
    [for c in google_monitoring_notification_channel.email : c.name],
    [for c in google_monitoring_notification_channel.webhook : c.name],
    [for c in var.notification_channels : c.existing if c.existing != null],
  )
}
