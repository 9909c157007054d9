output "id" {
  description = "Subscription id (projects/<project>/subscriptions/<name>)."
  value       = google_pubsub_subscription.this.id
}
