resource "google_pubsub_topic" "this" {
  project                    = var.project_id
  name                       = var.name
  message_retention_duration = var.message_retention_duration
  labels                     = var.labels
}

resource "google_pubsub_subscription" "retained" {
  count                      = var.retained_subscription == null ? 0 : 1
  project                    = var.project_id
  name                       = "${var.name}--retained"
  topic                      = google_pubsub_topic.this.id
  message_retention_duration = var.retained_subscription.message_retention_duration
  retain_acked_messages      = true
  ack_deadline_seconds       = 60
  labels                     = var.labels
  expiration_policy {
    ttl = ""
  }
}
