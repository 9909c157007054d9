# Dead-lettering: the Pub/Sub service agent acknowledges the message here and publishes it to
# the dead-letter topic (that grant lives with the topic, modules/pubsub-topic publishers).
resource "google_pubsub_subscription_iam_member" "dead_letter_subscriber" {
  project      = var.project_id
  subscription = google_pubsub_subscription.this.name
  role         = "roles/pubsub.subscriber"
  member       = var.pubsub_service_agent
}
