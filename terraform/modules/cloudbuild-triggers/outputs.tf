output "ids" {
  description = "Trigger ids, by key."
  value       = { for key, t in google_cloudbuild_trigger.this : key => t.trigger_id }
}
