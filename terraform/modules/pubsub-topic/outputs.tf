output "id" {
  description = "Topic id (projects/<project>/topics/<name>)."
  value       = google_pubsub_topic.this.id
}

output "name" {
  description = "Topic name."
  value       = google_pubsub_topic.this.name
}

output "retained_subscription" {
  description = "The retained subscription's name (<topic>--retained), or null without one."
  value       = one(google_pubsub_subscription.retained[*].name)
}
