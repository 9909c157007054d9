# Events: people and relay-outbox publish to the events topic; each event function receives
# from its own push subscription (filter, retry with backoff, dead letter); Cloud Scheduler
# ticks relay-outbox through the relay topic.
module "events_topic" {
  source     = "./modules/pubsub-topic"
  project_id = var.project_id
  name       = local.topics.events
  labels     = local.labels
  iam = {
    "roles/pubsub.publisher" = [for name, f in local.function_declarations : module.service_accounts.members["fn-${name}"] if f.publishes_events]
  }
  depends_on = [google_project_service.enabled]
}

module "dead_letter_topic" {
  source     = "./modules/pubsub-topic"
  project_id = var.project_id
  name       = local.topics.dead_letter
  labels     = local.labels
  # Dead-lettering: the Pub/Sub service agent forwards undeliverable messages here.
  iam                   = { "roles/pubsub.publisher" = [local.pubsub_service_agent] }
  retained_subscription = {}
  depends_on            = [google_project_service.enabled]
}

module "relay_topic" {
  source     = "./modules/pubsub-topic"
  project_id = var.project_id
  name       = local.topics.relay
  labels     = local.labels
  depends_on = [google_project_service.enabled]
}

locals {
  topic_ids = {
    (local.topics.events)      = module.events_topic.id
    (local.topics.dead_letter) = module.dead_letter_topic.id
    (local.topics.relay)       = module.relay_topic.id
  }
}

module "push_subscriptions" {
  source               = "./modules/pubsub-push-subscription"
  for_each             = local.push_subscriptions
  project_id           = var.project_id
  name                 = each.key
  topic                = local.topic_ids[each.value.topic]
  filter               = each.value.filter
  ack_deadline_seconds = each.value.ack_deadline_seconds
  labels               = local.labels
  push = {
    # functions-framework turns a push to /projects/<p>/topics/<t> into a CloudEvent; run.app
    # keeps the path intact, so the function's name leads it (shared/events/subscriptions.ts pushPath).
    endpoint              = "${module.functions[each.value.function].uri}/${each.value.function}/projects/${var.project_id}/topics/${each.value.topic}"
    audience              = module.functions[each.value.function].uri
    service_account_email = module.service_accounts.emails["push-${each.value.function}"]
  }
  retry = {
    minimum_backoff_seconds = each.value.minimum_backoff_seconds
    maximum_backoff_seconds = each.value.maximum_backoff_seconds
  }
  dead_letter = {
    topic                 = local.topic_ids[each.value.dead_letter_topic]
    max_delivery_attempts = each.value.max_delivery_attempts
  }
  pubsub_service_agent = local.pubsub_service_agent
}

module "relay_tick" {
  source     = "./modules/relay-scheduler"
  project_id = var.project_id
  region     = var.region
  name       = local.names.relay_scheduler_job
  topic      = module.relay_topic.id
  schedule   = var.relay_schedule
  depends_on = [google_project_service.enabled]
}
