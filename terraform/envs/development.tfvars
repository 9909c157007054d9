# Development: deployed from feature/* branches; small and disposable.
project_id  = "manifest-development"
environment = "development"
region      = "europe-west1"

# Sizing: terraform/README.md, Sizing, says why each figure; the connection budget (Σ
# max_instances × db_pool_max, plus the reserved) fits db-f1-micro's 25 connections.
functions = {
  people        = { sizing = { cpu = "1", memory = "512Mi", concurrency = 16, db_pool_max = 5, max_instances = 1 } }
  stats         = { sizing = { cpu = "1", concurrency = 16, db_pool_max = 2, max_instances = 1 } }
  health        = { sizing = { cpu = "1", concurrency = 8, db_pool_max = 1, max_instances = 1 }, public = true }
  project-stats = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 2, max_instances = 1 } }
  audit-log     = { sizing = { cpu = "1", concurrency = 5, db_pool_max = 2, max_instances = 1 } }
  relay-outbox  = { sizing = { cpu = "1", concurrency = 1, db_pool_max = 1, max_instances = 1 } }
}

database = {
  instance = {
    tier                   = "db-f1-micro"
    max_connections        = 25
    deletion_protection    = false
    backups                = false
    point_in_time_recovery = false
  }
}

settings = {
  LOG_LEVEL = "debug"
}

# Alerts, the dashboard and the uptime check (README, Operating manifest). Feature branches
# break things on purpose: the alerts open incidents in the console and notify no one.
monitoring = {
  notification_channels = {}
}

deploy_pipeline = {
  repository = "projects/manifest-development/locations/europe-west1/connections/github/repositories/manifest"
}
