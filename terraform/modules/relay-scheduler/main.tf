# The relay tick: Cloud Scheduler publishes a message to the relay topic on a schedule, and the
# push subscription on that topic runs relay-outbox. Cloud Scheduler publishes as its own
# service agent, which may publish to the project's topics.
resource "google_cloud_scheduler_job" "this" {
  project     = var.project_id
  region      = var.region
  name        = var.name
  description = "Ticks relay-outbox, which publishes outbox rows the fast path missed."
  schedule    = var.schedule
  time_zone   = var.time_zone
  paused      = var.paused

  pubsub_target {
    topic_name = var.topic
    data       = base64encode("tick")
  }

  retry_config {
    retry_count = 0
  }
}
