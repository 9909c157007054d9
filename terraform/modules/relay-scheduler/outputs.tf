output "id" {
  description = "Job id."
  value       = google_cloud_scheduler_job.this.id
}
