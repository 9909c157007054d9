output "ids" {
  description = "Secret resource ids (projects/<project>/secrets/<secret_id>), by key."
  value       = { for key, s in google_secret_manager_secret.this : key => s.id }
}

output "secret_ids" {
  description = "Short secret ids, by key: an app setting references one as sm://<secret_id>."
  value       = { for key, s in google_secret_manager_secret.this : key => s.secret_id }
}
