resource "google_sql_database_instance" "this" {
  project             = var.project_id
  region              = var.region
  name                = var.name
  database_version    = var.instance.database_version
  deletion_protection = var.instance.deletion_protection

  settings {
    tier                        = var.instance.tier
    edition                     = var.instance.edition
    availability_type           = var.instance.availability_type
    disk_size                   = var.instance.disk_size_gb
    disk_autoresize             = true
    deletion_protection_enabled = var.instance.deletion_protection
    # Only the Cloud SQL Auth Proxy and the language connectors may connect.
    connector_enforcement = "REQUIRED"
    user_labels           = var.labels

    ip_configuration {
      ipv4_enabled    = var.network.public_ip
      private_network = var.network.private_network
      ssl_mode        = "ENCRYPTED_ONLY"
      # No authorized_networks block: no address range may connect directly, ever.
    }

    backup_configuration {
      enabled                        = var.instance.backups
      point_in_time_recovery_enabled = var.instance.point_in_time_recovery
      start_time                     = "02:00"
      backup_retention_settings {
        retained_backups = var.instance.retained_backups
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled = true
    }

    dynamic "database_flags" {
      for_each = merge(var.instance.flags, { max_connections = tostring(var.instance.max_connections) })
      content {
        name  = database_flags.key
        value = database_flags.value
      }
    }
  }
}

resource "google_sql_database" "this" {
  project  = var.project_id
  instance = google_sql_database_instance.this.name
  name     = var.database.name
}
