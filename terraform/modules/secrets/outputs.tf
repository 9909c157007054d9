output "ids" {
  description = "Secret resource ids (projects/<project>/secrets/<secret_id>), by key."
  value       = { for key, s in google_secret_manager_secret.this : key => s.id }
}

output "secret_ids" {
  description = "Short secret ids, by key: an app setting references one as sm://<secret_id>. What refers to these waits until each secret has its readers and its seeded value: a function that reads its secrets at cold start is deployed after them."
  value       = { for key, s in google_secret_manager_secret.this : key => s.secret_id }
  depends_on  = [google_secret_manager_secret_iam_binding.this, google_secret_manager_secret_version.seed]
}
