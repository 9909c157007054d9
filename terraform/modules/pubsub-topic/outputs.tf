output "id" {
  description = "Topic id (projects/<project>/topics/<name>)."
  value       = google_pubsub_topic.this.id
}

output "name" {
  description = "Topic name."
  value       = google_pubsub_topic.this.name
}
