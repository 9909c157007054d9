resource "google_pubsub_subscription" "this" {
  project                    = var.project_id
  name                       = var.name
  topic                      = var.topic
  filter                     = var.filter
  ack_deadline_seconds       = var.ack_deadline_seconds
  message_retention_duration = var.message_retention_duration
  labels                     = var.labels

  push_config {
    push_endpoint = var.push.endpoint
    oidc_token {
      service_account_email = var.push.service_account_email
      audience              = var.push.audience
    }
  }

  retry_policy {
    minimum_backoff = "${var.retry.minimum_backoff_seconds}s"
    maximum_backoff = "${var.retry.maximum_backoff_seconds}s"
  }

  dead_letter_policy {
    dead_letter_topic     = var.dead_letter.topic
    max_delivery_attempts = var.dead_letter.max_delivery_attempts
  }

  # Never expire for inactivity: a quiet week must not delete the subscription.
  expiration_policy {
    ttl = ""
  }
}
