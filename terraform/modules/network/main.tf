resource "google_compute_network" "this" {
  project                 = var.project_id
  name                    = var.name
  auto_create_subnetworks = false
  routing_mode            = "REGIONAL"
}

# Private services access: a range of the VPC peered to Google's service producer network,
# where Cloud SQL gives the instance its private IP.
resource "google_compute_global_address" "private_services" {
  project       = var.project_id
  name          = "${var.name}-private-services"
  network       = google_compute_network.this.id
  purpose       = "VPC_PEERING"
  address_type  = "INTERNAL"
  prefix_length = var.private_services_prefix_length
}

resource "google_service_networking_connection" "private_services" {
  network                 = google_compute_network.this.id
  service                 = "servicenetworking.googleapis.com"
  reserved_peering_ranges = [google_compute_global_address.private_services.name]
  # Removing the peering fails while Cloud SQL still holds addresses in it; destroying an
  # environment leaves it to go with the network.
  deletion_policy = "ABANDON"
}

resource "google_vpc_access_connector" "this" {
  project       = var.project_id
  region        = var.region
  name          = var.connector.name
  network       = google_compute_network.this.name
  ip_cidr_range = var.connector.ip_cidr_range
  machine_type  = var.connector.machine_type
  min_instances = var.connector.min_instances
  max_instances = var.connector.max_instances
}
