output "emails" {
  description = "Email of each account, by key."
  value       = { for key, sa in google_service_account.this : key => sa.email }
}

output "members" {
  description = "IAM member (serviceAccount:<email>) of each account, by key."
  value       = { for key, sa in google_service_account.this : key => sa.member }
}

output "ids" {
  description = "Fully qualified id (projects/<project>/serviceAccounts/<email>) of each account, by key."
  value       = { for key, sa in google_service_account.this : key => sa.id }
}
