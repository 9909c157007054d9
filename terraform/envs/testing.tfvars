# Testing: deployed from develop, release/* and hotfix/* (release candidates).
project_id  = "manifest-testing"
environment = "testing"
region      = "europe-west1"

functions = {
  people       = { sizing = { max_instances = 5 } }
  stats        = { sizing = { max_instances = 3 }, public = true }
  health       = { sizing = { max_instances = 2 }, public = true }
  relay-outbox = { sizing = { max_instances = 1 } }
}

database = {
  instance = {
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
