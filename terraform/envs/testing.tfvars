# Testing: deployed from develop, release/* and hotfix/* (release candidates).
project_id  = "manifest-testing"
environment = "testing"
region      = "europe-west1"

# Sizing: terraform/README.md, Sizing, says why each figure; the connection budget (Σ
# max_instances × db_pool_max, plus the reserved) fits max_connections.
functions = {
  people        = { sizing = { cpu = "1", memory = "512Mi", concurrency = 16, db_pool_max = 5, max_instances = 3 } }
  stats         = { sizing = { cpu = "1", concurrency = 16, db_pool_max = 5, max_instances = 2 }, public = true }
  health        = { sizing = { cpu = "1", concurrency = 8, db_pool_max = 1, max_instances = 1 }, public = true }
  project-stats = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 5, max_instances = 2 } }
  audit-log     = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 5, max_instances = 2 } }
  relay-outbox  = { sizing = { cpu = "1", concurrency = 1, db_pool_max = 1, max_instances = 1 } }
}

database = {
  instance = {
    max_connections        = 100
    deletion_protection    = false
    point_in_time_recovery = false
  }
}

settings = {
  LOG_LEVEL = "debug"
}

# Alerts, the dashboard and the uptime check (README, Operating manifest).
monitoring = {
  notification_channels = {
    # team = { email = "manifest-team@example.com" }
  }
}

deploy_pipeline = {
  repository = "projects/manifest-testing/locations/europe-west1/connections/github/repositories/manifest"
}
