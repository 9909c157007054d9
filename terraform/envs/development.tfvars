# Development: deployed from feature/* branches; small and disposable.
project_id  = "manifest-development"
environment = "development"
region      = "europe-west1"

functions = {
  people        = { sizing = { max_instances = 2 } }
  stats         = { sizing = { max_instances = 2 } }
  health        = { sizing = { max_instances = 1 }, public = true }
  project-stats = { sizing = { max_instances = 2 } }
  audit-log     = { sizing = { max_instances = 2 } }
  relay-outbox  = { sizing = { max_instances = 1 } }
}

database = {
  instance = {
    tier                   = "db-f1-micro"
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
