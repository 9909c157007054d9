output "private_network" {
  description = "The VPC network id, known only once private services access is connected: give it to Cloud SQL so the instance waits for the peering."
  value       = google_service_networking_connection.private_services.network
}

output "vpc_connector" {
  description = "Id of the Serverless VPC Access connector, for the functions' egress."
  value       = google_vpc_access_connector.this.id
}
