output "name" {
  description = "The function's name."
  value       = module.function.name
}

output "url" {
  description = "The function's cloudfunctions.net URL."
  value       = module.function.url
}

output "uri" {
  description = "The function's run.app URL (paths reach the code intact: <uri>/<name>/...)."
  value       = module.function.uri
}
