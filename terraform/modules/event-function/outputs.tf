output "name" {
  description = "The function's name."
  value       = module.function.name
}

output "url" {
  description = "The function's cloudfunctions.net URL."
  value       = module.function.url
}

output "uri" {
  description = "The function's run.app URL: its push endpoint is <uri>/<name>/projects/<project>/topics/<topic>."
  value       = module.function.uri
}
