# Production: deployed from master. Replace the project ids and the repository with yours.
project_id  = "manifest-production"
environment = "production"
region      = "europe-west1"

# Sizing: terraform/README.md, Sizing, says why each figure; the connection budget (Σ
# max_instances × db_pool_max, plus the reserved) fits max_connections.
functions = {
  people        = { sizing = { cpu = "1", memory = "512Mi", concurrency = 16, db_pool_max = 5, min_instances = 1, max_instances = 10 } }
  stats         = { sizing = { cpu = "1", concurrency = 16, db_pool_max = 5, min_instances = 1, max_instances = 5 }, public = true }
  health        = { sizing = { cpu = "1", concurrency = 8, db_pool_max = 1, max_instances = 2 }, public = true }
  project-stats = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 5, max_instances = 3 } }
  audit-log     = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 5, max_instances = 3 } }
  relay-outbox  = { sizing = { cpu = "1", concurrency = 1, db_pool_max = 1, max_instances = 1 } }
}

database = {
  instance = {
    tier                = "db-custom-2-7680"
    max_connections     = 200
    availability_type   = "REGIONAL"
    disk_size_gb        = 20
    deletion_protection = true
  }
}

# Alerts, the dashboard and the uptime check (README, Operating manifest). Every alert notifies
# these channels; with none, incidents open in the console only.
monitoring = {
  notification_channels = {
    # oncall = { email = "oncall@example.com" }
    # chatops = { existing = "projects/manifest-production/notificationChannels/1234567890" }
  }
  # thresholds = { http_5xx_ratio = 0.02 }
  # budget = { billing_account = "012345-6789AB-CDEF01", amount = 300, currency_code = "EUR" }
}

# Every apply waits for one of the approvers to approve its saved plan (README: Deploy).
deploy_pipeline = {
  repository        = "projects/manifest-production/locations/europe-west1/connections/github/repositories/manifest"
  approval_required = true
  approvers         = ["group:manifest-release-approvers@example.com"]
}
